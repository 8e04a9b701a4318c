/**
 * The console and the approval links over HTTP, against a real engine (Temporal dev server, the
 * real workflow and activities, Mailpit): reads need credentials, sign-in opens a session cookie
 * with the right attributes, forms need their token, a person who may not approve is told why, and
 * an approval link decides only when its page's button is pressed (POST), never on GET or HEAD.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncidentState } from '../../contracts/incident';
import { verifyApproval } from '../../services/notify';
import { handleOfIncident, incidentState } from '../../apps/intake/incident-lookup';
import { describeProvisioned } from '../support/provisioned';
import { TOKENS, startConsoleEngine } from './support/engine';
import type { ConsoleEngine } from './support/engine';

let engine: ConsoleEngine;

/** A link scanner's request headers (Microsoft Safe Links identifies itself like a browser). */
const SCANNER = {
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36 BingPreview',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};

async function until(id: string, pred: (s: IncidentState) => boolean, what: string): Promise<IncidentState> {
  let last: IncidentState | undefined;
  for (let i = 0; i < 300; i++) {
    try {
      last = await incidentState(engine.client, id);
      if (pred(last)) return last;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not reached; last status ${last?.status}`);
}

/** Signs `person` in through the form; returns the session cookie header. */
async function signIn(token: string): Promise<{ cookie: string; setCookie: string }> {
  const form = await fetch(`${engine.url}/signin?next=/`, { redirect: 'manual' });
  const pre = (form.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/u.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${engine.url}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pre },
    body: new URLSearchParams({ csrf, token, next: '/' }).toString(),
  });
  expect(res.status).toBe(303);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('fb_session=')) ?? '';
  return { cookie: setCookie.split(';')[0] ?? '', setCookie };
}

/** Alice's Approve link for incident `id`, from the mails in Mailpit. */
async function approveLinkFor(id: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    for (const m of await engine.mailpit.listMessages()) {
      if (!m.Subject.includes('Approve')) continue;
      const text = (await engine.mailpit.getMessage(m.ID)).Text;
      for (const [, u] of text.matchAll(/Approve: (\S+)/gu)) {
        const c = verifyApproval(engine.config.approvalSigningKey, u!.split('/').pop()!);
        if (c.incidentId === id && c.person === 'alice') return u!;
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no approval mail for ${id}`);
}

/** A page's text as a person reads it: tags dropped, entities decoded, whitespace collapsed. */
function textOf(page: string): string {
  return page
    .replace(/<[^>]*>/gu, ' ')
    .replace(/&#39;/gu, "'")
    .replace(/&quot;/gu, '"')
    .replace(/&lt;/gu, '<')
    .replace(/&gt;/gu, '>')
    .replace(/&amp;/gu, '&')
    .replace(/\s+/gu, ' ');
}

function csrfOf(page: string): string {
  return /name="csrf" value="([^"]+)"/u.exec(page)?.[1] ?? '';
}

describeProvisioned(['mailpit.sh'], 'the console over HTTP', () => {
  beforeAll(async () => {
    engine = await startConsoleEngine('console-http');
  }, 240_000);
  afterAll(async () => engine?.stop());

  it('answers 401 to reads without credentials, and sends a browser without a session to sign in', async () => {
    const id = await engine.fire('reads-401');
    await until(id, (s) => s.status === 'awaiting_approval', 'awaiting approval');
    expect((await fetch(`${engine.url}/v1/incidents`)).status).toBe(401);
    expect((await fetch(`${engine.url}/v1/incidents/${id}`)).status).toBe(401);
    expect(
      (await fetch(`${engine.url}/v1/incidents/${id}`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    expect((await fetch(`${engine.url}/console/events?topic=list`)).status).toBe(401);
    const page = await fetch(`${engine.url}/incidents/${id}`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(`/signin?next=${encodeURIComponent(`/incidents/${id}`)}`);

    const json = await fetch(`${engine.url}/v1/incidents/${id}`, {
      headers: { authorization: `Bearer ${TOKENS.bob}`, accept: 'application/json' },
    });
    expect(json.status).toBe(200);
    expect(((await json.json()) as IncidentState).id).toBe(id);
    // The incident link of mails and reports: HTML to a browser, JSON to an API client.
    const browser = await fetch(`${engine.url}/v1/incidents/${id}`, { headers: SCANNER, redirect: 'manual' });
    expect(browser.status).toBe(303);
    expect(browser.headers.get('location')).toBe(`/incidents/${id}`);
    const html = await fetch(`${engine.url}/incidents/${id}`, {
      headers: { authorization: `Bearer ${TOKENS.bob}` },
    });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('signs in with a person token into an HttpOnly, SameSite=Strict cookie that expires, and signs out for good', async () => {
    const bad = await fetch(`${engine.url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=whatever&csrf=x',
    });
    expect(bad.status).toBe(403); // no sign-in form behind it: refused before the token is even looked at
    const { cookie, setCookie } = await signIn(TOKENS.alice);
    expect(setCookie).toMatch(/HttpOnly/u);
    expect(setCookie).toMatch(/SameSite=Strict/u);
    expect(setCookie).toMatch(/Max-Age=43200/u);
    expect(setCookie).not.toMatch(/Secure/u); // plain http here; https public URLs get Secure and __Host-
    const home = await fetch(`${engine.url}/`, { headers: { cookie } });
    expect(home.status).toBe(200);
    const body = await home.text();
    expect(textOf(body)).toContain('Signed in as alice');

    const out = await fetch(`${engine.url}/signout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrfOf(body) }).toString(),
    });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().join()).toMatch(/fb_session=; .*Max-Age=0/u);
    // The old cookie no longer opens anything, even if a copy of it was kept.
    expect((await fetch(`${engine.url}/`, { headers: { cookie }, redirect: 'manual' })).status).toBe(303);
  });

  it('refuses a console form without its token or from another site, and tells a non-approver why', async () => {
    const id = await engine.fire('csrf');
    await until(id, (s) => s.status === 'awaiting_approval', 'awaiting approval');
    const carol = await signIn(TOKENS.carol);
    const page = await (
      await fetch(`${engine.url}/incidents/${id}`, { headers: { cookie: carol.cookie } })
    ).text();
    expect(textOf(page)).toContain('You (carol) may not approve or reject this step: only alice may.');
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie: carol.cookie };
    const noToken = await fetch(`${engine.url}/incidents/${id}/ack`, {
      method: 'POST',
      headers: form,
      body: '',
    });
    expect(noToken.status).toBe(403);
    const crossSite = await fetch(`${engine.url}/incidents/${id}/ack`, {
      method: 'POST',
      headers: { ...form, origin: 'https://evil.example' },
      body: new URLSearchParams({ csrf: csrfOf(page) }).toString(),
    });
    expect(crossSite.status).toBe(403);
    const tried = await fetch(`${engine.url}/incidents/${id}/approve`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ csrf: csrfOf(page), stepId: 'cleanup-logs' }).toString(),
    });
    expect(tried.status).toBe(403);
    expect(textOf(await tried.text())).toContain('carol is not an approver for step cleanup-logs');
    const s = await until(
      id,
      (x) => x.timeline.some((t) => t.kind === 'approval_refused'),
      'refusal recorded',
    );
    expect(s.timeline.find((t) => t.kind === 'approval_refused')?.actor).toEqual({
      person: 'carol',
      channel: 'ui',
    });
    const ack = await fetch(`${engine.url}/incidents/${id}/ack`, {
      method: 'POST',
      redirect: 'manual',
      headers: form,
      body: new URLSearchParams({ csrf: csrfOf(page), comment: 'on it' }).toString(),
    });
    expect(ack.status).toBe(303);
    expect((await until(id, (x) => x.acknowledged !== undefined, 'ack')).acknowledged?.by).toEqual({
      person: 'carol',
      channel: 'ui',
    });
  });

  it('says on the link page that a request was withdrawn, and why, once the incident ended undecided', async () => {
    const id = await engine.fire('withdrawn');
    await until(id, (s) => s.status === 'awaiting_approval', 'awaiting approval');
    const approve = await approveLinkFor(id);
    await engine.fire('withdrawn', 'resolved');
    const ended = (await (await handleOfIncident(engine.client, id)).result()) as IncidentState;
    expect(ended.status).toBe('cancelled');
    const res = await fetch(approve);
    expect(res.status).toBe(410);
    const text = textOf(await res.text());
    expect(text).toContain('This approval request was withdrawn');
    expect(text).toContain(
      `Incident ${id} ended (cancelled: alert resolved) before anyone decided step "cleanup-logs". Nothing was run.`,
    );
  });

  it('keeps a recurring alert apart: two incidents with their own ids, pages and reports, the first still reachable', async () => {
    const ended = async (id: string) => {
      const s = (await (await handleOfIncident(engine.client, id)).result()) as IncidentState;
      expect(s.status).toBe('cancelled');
    };
    const first = await engine.fire('recurring');
    await until(first, (s) => s.status === 'awaiting_approval', 'first awaiting approval');
    await engine.fire('recurring', 'resolved');
    await ended(first);
    const second = await engine.fire('recurring');
    expect(second).not.toBe(first);
    await until(second, (s) => s.status === 'awaiting_approval', 'second awaiting approval');
    await engine.fire('recurring', 'resolved');
    await ended(second);

    const bob = { authorization: `Bearer ${TOKENS.bob}` };
    const list = await (await fetch(`${engine.url}/?q=recurring`, { headers: bob })).text();
    for (const id of [first, second]) {
      expect(list).toContain(`href="/incidents/${encodeURIComponent(id)}"`);
      const page = await fetch(`${engine.url}/incidents/${encodeURIComponent(id)}`, { headers: bob });
      expect(page.status).toBe(200);
      expect(textOf(await page.text())).toContain(id);
      const json = await fetch(`${engine.url}/v1/incidents/${encodeURIComponent(id)}`, { headers: bob });
      expect(((await json.json()) as IncidentState).id).toBe(id);
      const report = await fetch(`${engine.url}/v1/incidents/${encodeURIComponent(id)}/report`, {
        headers: bob,
      });
      expect(report.status).toBe(200);
      expect(await report.text()).toContain(id);
    }
    // Two report files under their own names: the second did not overwrite the first.
    const files = readdirSync(engine.config.reportsDir).filter((f) => f.endsWith('.md'));
    expect(files).toEqual(expect.arrayContaining([`${first}.md`, `${second}.md`]));
    expect(readFileSync(join(engine.config.reportsDir, `${first}.md`), 'utf8')).toContain(first);
    // Without credentials the report is not served: a browser is sent to sign in, an API client gets 401.
    const anon = await fetch(`${engine.url}/v1/incidents/${encodeURIComponent(first)}/report`);
    expect(anon.status).toBe(401);
  });

  it('shows a confirmation page to GET and HEAD on an approval link and decides only on its POST, once', async () => {
    const id = await engine.fire('scanner');
    await until(id, (s) => s.status === 'awaiting_approval', 'awaiting approval');
    const approve = await approveLinkFor(id);

    for (const method of ['GET', 'HEAD', 'GET']) {
      const res = await fetch(approve, { method, headers: SCANNER });
      expect(res.status).toBe(200);
    }
    const page = await (await fetch(approve, { headers: SCANNER })).text();
    const shown = textOf(page);
    expect(shown).toContain('Nothing has been decided yet');
    // The exact command (the expanded logs.cleanup action, the directory shell-quoted).
    expect(shown).toContain(`dir='${engine.logdir}'`);
    expect(shown).toContain('-mtime +7');
    expect(shown).toContain('here — hosts: localhost');
    expect(shown).toContain('Asked of Alice Primary (alice), one of the approvers: alice');
    let s = await incidentState(engine.client, id);
    expect(s.status).toBe('awaiting_approval');
    expect(s.usedNonces).toEqual([]);

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const unconfirmed = await fetch(approve, { method: 'POST', headers: form, body: 'decision=approve' });
    expect(unconfirmed.status).toBe(403);
    const confirm = /name="confirm" value="([^"]+)"/u.exec(page)?.[1] ?? '';
    const body = new URLSearchParams({ confirm, decision: 'approve', comment: 'go ahead' }).toString();
    const decided = await fetch(approve, { method: 'POST', headers: form, body });
    expect(decided.status).toBe(200);
    expect(textOf(await decided.text())).toContain('alice approved step "cleanup-logs"');
    s = await until(id, (x) => x.status === 'resolved', 'resolved');
    expect(s.steps.find((x) => x.id === 'cleanup-logs')?.decidedBy).toMatchObject({
      person: 'alice',
      channel: 'email',
      comment: 'go ahead',
    });
    // Once the incident has finished it takes no update; the spent link still says why.
    await (await handleOfIncident(engine.client, id)).result();
    const replay = await fetch(approve, { method: 'POST', headers: form, body });
    expect(replay.status).toBe(409);
    expect(textOf(await replay.text())).toContain('This link was already used');
    const later = await fetch(approve);
    expect(later.status).toBe(409);
    expect(textOf(await later.text())).toMatch(/already approved by alice \(email\)/u);
  });
});
