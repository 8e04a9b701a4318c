/**
 * Console sessions, form tokens and escaping, without servers: a session expires, cannot be
 * altered, ends when the person's token changes or they sign out; cookies are Secure and
 * `__Host-` prefixed behind https; every interpolated value is escaped.
 */
import type { Client } from '@temporalio/client';
import { buildIntake, libraryFromPlans } from '../../apps/intake';
import { html } from '../../apps/intake/console/html';
import { SessionKeys } from '../../apps/intake/session';
import { config, plan } from '../intake/support/fixtures';

const KEY = 'k'.repeat(32);
const HOUR = 3_600_000;
const same = (fp: string) => () => [fp];

describe('console sessions', () => {
  const keys = new SessionKeys(KEY, HOUR);
  const fingerprintOf = (token: string) => {
    const { value } = new SessionKeys(KEY, HOUR).issue('x', token);
    return (JSON.parse(Buffer.from(value.split('.')[0]!, 'base64url').toString()) as { t: string }).t;
  };

  it('reads back the person until the session expires, and not after', () => {
    const now = 1_000_000;
    const { value, session } = keys.issue('alice', 'tok-a', now);
    expect(session.expiresAt).toBe(now + HOUR);
    expect(keys.read(value, same(fingerprintOf('tok-a')), now + HOUR - 1)?.person).toBe('alice');
    expect(keys.read(value, same(fingerprintOf('tok-a')), now + HOUR + 1)).toBeUndefined();
  });

  it('refuses an altered session, one signed with another key, and one whose token was rotated', () => {
    const { value } = keys.issue('alice', 'tok-a');
    const [body, sig] = value.split('.') as [string, string];
    const wire = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${Buffer.from(JSON.stringify({ ...wire, p: 'carol' })).toString('base64url')}.${sig}`;
    const fp = same(fingerprintOf('tok-a'));
    expect(keys.read(forged, fp)).toBeUndefined();
    expect(new SessionKeys('other'.repeat(8), HOUR).read(value, fp)).toBeUndefined();
    expect(keys.read(value, same(fingerprintOf('tok-a-rotated')))).toBeUndefined();
    expect(keys.read('garbage', fp)).toBeUndefined();
  });

  it('ends a session signed out, and binds form tokens to what they act for', () => {
    const k = new SessionKeys(KEY, HOUR);
    const { value, session } = k.issue('alice', 'tok-a');
    const fp = same(fingerprintOf('tok-a'));
    const token = k.formToken('session', session.id);
    expect(k.checkFormToken('session', session.id, token)).toBe(true);
    expect(k.checkFormToken('session', 'another-session', token)).toBe(false);
    expect(k.checkFormToken('approval', session.id, token)).toBe(false);
    expect(k.checkFormToken('session', session.id, undefined)).toBe(false);
    k.revoke(session);
    expect(k.read(value, fp)).toBeUndefined();
  });

  it('sets Secure, __Host- prefixed cookies when the public URL is https', async () => {
    const cfg = config({
      intake: {
        ...config().intake,
        publicUrl: 'https://firebreak.example.com',
        tokens: { 'tok-a': 'alice' },
      },
    });
    const app = await buildIntake({ client: {} as Client, library: libraryFromPlans([plan()]), config: cfg });
    try {
      const form = await app.inject({ url: '/signin' });
      const pre = String(form.headers['set-cookie']).split(';')[0]!;
      const csrf = /name="csrf" value="([^"]+)"/u.exec(form.body)?.[1] ?? '';
      const res = await app.inject({
        method: 'POST',
        url: '/signin',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: pre,
          origin: 'https://firebreak.example.com',
        },
        payload: new URLSearchParams({ csrf, token: 'tok-a', next: '/incidents/x' }).toString(),
      });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/incidents/x');
      const cookie = ([] as string[])
        .concat(res.headers['set-cookie'] ?? [])
        .find((c) => c.startsWith('__Host-fb_session='));
      expect(cookie).toMatch(/; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/u);
      const offsite = await app.inject({
        method: 'POST',
        url: '/signin',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: pre,
          origin: 'https://evil.example',
        },
        payload: new URLSearchParams({ csrf, token: 'tok-a', next: '//evil.example' }).toString(),
      });
      expect(offsite.statusCode).toBe(403);
    } finally {
      await app.close();
    }
  });
});

describe('console templates', () => {
  it('escape every interpolated value, in text and in attributes, and keep fragments as built', () => {
    const label = `<img src=x onerror=alert(1)> "quoted" 'single' \`tick\` & more`;
    const inner = html`<b>${label}</b>`;
    const out = html`<p title="${label}">${inner}${[label, undefined, false, null]}</p>`.text;
    expect(out).not.toContain('<img');
    expect(out).toContain(
      '&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &#39;single&#39; &#96;tick&#96; &amp; more',
    );
    expect(out.startsWith('<p title="&lt;img')).toBe(true);
    expect(out).toContain('<b>&lt;img');
  });
});
