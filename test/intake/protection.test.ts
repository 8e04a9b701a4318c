/**
 * Issue #15, findings 4 and 8 (unit level): alert size limits and the per-source token buckets,
 * and how they are configured. The real-engine tests are in test/hardening/engine.test.ts.
 */
import Fastify from 'fastify';
import { intakeErrorHandler } from '../../apps/intake/error-handler';
import { checkAlertLimits, DEFAULT_ALERT_LIMITS } from '../../apps/intake/limits';
import { installProtection, rateLimitsOf } from '../../apps/intake/protection';
import { Buckets, DEFAULT_RATE_LIMITS } from '../../apps/intake/rate-limit';
import { alertLimitsFrom, rateLimitsFrom } from '../../services/config/protection';

const refused = (body: unknown): { status: number; message: string } | undefined => {
  try {
    checkAlertLimits(body, DEFAULT_ALERT_LIMITS);
    return undefined;
  } catch (e) {
    return { status: (e as { statusCode: number }).statusCode, message: (e as Error).message };
  }
};

describe('alert size limits', () => {
  it('names the alert and label of a value over the limit (413), and the alert with too many labels (422)', () => {
    const big = { alerts: [{ labels: { a: 'x' } }, { labels: { alertname: 'A', host: 'h'.repeat(2000) } }] };
    expect(refused(big)).toEqual({
      status: 413,
      message: 'alerts[1].labels.host is 2000 bytes; at most 1024 are allowed',
    });
    const many = {
      alerts: [{ labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v'])) }],
    };
    expect(refused(many)).toEqual({
      status: 422,
      message: 'alerts[0].labels has 65 labels; at most 64 are allowed',
    });
    const notes = {
      alerts: [
        {
          labels: { a: 'b' },
          annotations: {
            d1: 'd'.repeat(8000),
            d2: 'd'.repeat(8000),
            d3: 'd'.repeat(8000),
            d4: 'd'.repeat(8000),
            d5: 'd'.repeat(8000),
          },
        },
      ],
    };
    expect(refused(notes)?.message).toMatch(/^alerts\[0\]\.annotations total 40010 bytes; at most 16384/);
    const wide = {
      alerts: [
        { labels: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`l${i}`, 'v'.repeat(1000)])) },
      ],
    };
    expect(refused(wide)?.message).toBe('alerts[0].labels total 10020 bytes; at most 8192 are allowed');
    expect(refused({ alerts: [{ labels: { a: 'é'.repeat(600) } }] })?.status).toBe(413);
  });

  it('lets alerts within the limits through, and leaves malformed bodies to the schema', () => {
    expect(
      refused({ alerts: [{ labels: { alertname: 'A' }, annotations: { summary: 's' } }] }),
    ).toBeUndefined();
    expect(refused('nonsense')).toBeUndefined();
    expect(refused({ alerts: [null, 3, { labels: 'x' }] })).toBeUndefined();
  });
});

describe('token buckets', () => {
  it('grants a burst, then answers how many seconds until enough has refilled', () => {
    let t = 0;
    const b = new Buckets({ burst: 10, perSecond: 2 }, () => t);
    expect(b.take('a', 10)).toBe(0);
    expect(b.take('a')).toBe(1);
    expect(b.take('b', 4)).toBe(0);
    t = 2_000;
    expect(b.take('a', 4)).toBe(0);
    expect(b.take('a', 3)).toBe(2);
  });

  it('never grants more than the burst at once, and says when it is full again', () => {
    let t = 0;
    const b = new Buckets({ burst: 5, perSecond: 1 }, () => t);
    expect(b.take('a', 1000)).toBe(1); // full already: refused whole, nothing taken
    expect(b.take('a', 4)).toBe(0);
    expect(b.take('a', 1000)).toBe(4);
    t = 4_000;
    expect(b.take('a', 5)).toBe(0);
  });
});

describe('protection settings', () => {
  it('defaults when nothing is configured, and takes the environment over the file', () => {
    expect(rateLimitsOf({ host: '', port: 0, publicUrl: '', bodyLimitBytes: 1, tokens: {} })).toEqual(
      DEFAULT_RATE_LIMITS,
    );
    const r = rateLimitsFrom(
      { FIREBREAK_RATE_NEW_ALERTS: '50/2.5', FIREBREAK_RATE_LIMIT: 'off' },
      { api: { burst: 1, perSecond: 1 } },
      undefined,
    );
    expect(r).toEqual({
      enabled: false,
      api: { burst: 1, perSecond: 1 },
      newAlerts: { burst: 50, perSecond: 2.5 },
    });
    expect(
      alertLimitsFrom({ FIREBREAK_MAX_LABELS: '10' }, { maxLabels: 5, maxLabelBytes: 99 }, undefined),
    ).toEqual({
      maxLabels: 10,
      maxLabelBytes: 99,
    });
  });

  it('refuses malformed settings, naming the variable', () => {
    expect(() => rateLimitsFrom({ FIREBREAK_RATE_API: 'lots' }, undefined, undefined)).toThrow(
      /FIREBREAK_RATE_API/,
    );
    expect(() => rateLimitsFrom({ FIREBREAK_RATE_LIMIT: 'maybe' }, undefined, undefined)).toThrow(
      /FIREBREAK_RATE_LIMIT/,
    );
    expect(() => alertLimitsFrom({ FIREBREAK_MAX_LABELS: '0' })).toThrow(/FIREBREAK_MAX_LABELS/);
  });
});

describe('the hooks on a real Fastify app', () => {
  async function app(rateLimit: Parameters<typeof rateLimitsOf>[0]['rateLimit']) {
    const a = Fastify();
    a.setErrorHandler(intakeErrorHandler);
    installProtection(a, {
      host: '',
      port: 0,
      publicUrl: '',
      bodyLimitBytes: 1 << 20,
      tokens: {},
      rateLimit,
    });
    let handled = 0;
    a.post('/v1/alerts', async () => ({ handled: ++handled }));
    await a.ready();
    const post = (fingerprints: string[]) =>
      a.inject({
        method: 'POST',
        url: '/v1/alerts',
        payload: { alerts: fingerprints.map((f) => ({ labels: { alertname: 'A' }, fingerprint: f })) },
      });
    return { a, post, handled: () => handled };
  }

  it('charges new alerts per source, repeats per alert, and nothing for a refused delivery', async () => {
    const { a, post, handled } = await app({
      newAlerts: { burst: 3, perSecond: 0.001 },
      perAlert: { burst: 2, perSecond: 0.001 },
    });
    expect((await post(['f1', 'f2'])).statusCode).toBe(200);
    const tooMany = await post(['f3', 'f4']);
    expect(tooMany.statusCode).toBe(429);
    expect(Number(tooMany.headers['retry-after'])).toBeGreaterThan(0);
    expect(tooMany.json().error).toMatch(
      /2 new alert\(s\) from 127\.0\.0\.1 exceed its allowance of new alerts \(3/,
    );
    expect((await post(['f3'])).statusCode).toBe(200); // the refused delivery charged nothing
    expect((await post(['f1'])).statusCode).toBe(200); // a repeat is not new
    const again = await post(['f1']);
    expect(again.statusCode).toBe(429);
    expect(again.json().error).toMatch(/alert f1 is delivered too often/);
    expect(handled()).toBe(3);
    await a.close();
  });

  it('lets everything through when rate limiting is off', async () => {
    const { a, post } = await app({ enabled: false, perAlert: { burst: 1, perSecond: 0.001 } });
    for (let i = 0; i < 5; i++) expect((await post(['same'])).statusCode).toBe(200);
    await a.close();
  });
});
