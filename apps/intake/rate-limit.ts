/**
 * Per-source rate limits on the webhooks and the API (issue #15, finding 8): token buckets keyed
 * by the caller's address, answered with 429 and `Retry-After`.
 *
 * Alert webhooks have two allowances. Deliveries are cheap to accept when they repeat alerts the
 * engine already has (an Alertmanager HA pair resends every group every few minutes, and a storm
 * is thousands of deliveries a minute), so the request allowance is generous. What is expensive
 * is an alert the source has not sent recently — each may start an incident — so those draw on a
 * much smaller allowance: one POST can no longer open a thousand incidents. The API has its own.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** One token bucket's shape: up to `burst` at once, refilled at `perSecond`. */
export interface BucketSpec {
  burst: number;
  perSecond: number;
}

/** The intake's rate limits (`intake.rateLimit`, FIREBREAK_RATE_*). */
export interface RateLimits {
  enabled: boolean;
  /** Webhook deliveries (requests) per source. */
  alertRequests: BucketSpec;
  /** Alerts whose fingerprint the source has not sent in the last hour, per source. */
  newAlerts: BucketSpec;
  /** Incident API and approval-link requests per source. */
  api: BucketSpec;
  /**
   * Deliveries of one alert (fingerprint), whoever sends them: each one lands in its incident's
   * history, so this bounds how fast any incident's history can grow.
   */
  perAlert: BucketSpec;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  enabled: true,
  alertRequests: { burst: 5_000, perSecond: 2_000 },
  newAlerts: { burst: 500, perSecond: 20 },
  api: { burst: 300, perSecond: 50 },
  perAlert: { burst: 60, perSecond: 0.2 },
};

/** How long a fingerprint counts as known to its source, and how many are remembered. */
const SEEN_TTL_MS = 3_600_000;
const MAX_SEEN = 50_000;
const MAX_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets by key; `take` answers how many seconds to wait, 0 when the tokens were taken. */
export class Buckets {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    private readonly spec: BucketSpec,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, cost = 1): number {
    const wait = this.waitFor(key, cost);
    if (wait === 0) this.bucket(key).tokens -= cost;
    return wait;
  }

  /** Seconds until `cost` tokens are there (0: now), taking nothing. */
  waitFor(key: string, cost = 1): number {
    const b = this.bucket(key);
    if (b.tokens >= cost) return 0;
    // More than the whole allowance at once can never be granted: say when it is full again.
    const missing = Math.min(cost, this.spec.burst) - b.tokens;
    return Math.max(1, Math.ceil(missing / this.spec.perSecond));
  }

  /** The key's bucket, refilled up to now. */
  private bucket(key: string): Bucket {
    const t = this.now();
    const { burst, perSecond } = this.spec;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.prune(t);
      b = { tokens: burst, at: t };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    return b;
  }

  /** Drops buckets that have refilled (they hold no information). */
  private prune(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.spec.perSecond >= this.spec.burst) this.buckets.delete(k);
    }
    if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
  }
}

/** Fingerprints (or label sets) each source sent recently, bounded (oldest forgotten first). */
class SeenAlerts {
  private readonly seen = new Map<string, number>();

  /** How many of `keys` this source has not sent within the TTL. */
  countNew(source: string, keys: string[], t: number): number {
    let fresh = 0;
    for (const k of new Set(keys)) {
      const at = this.seen.get(`${source}\u0000${k}`);
      if (at === undefined || t - at > SEEN_TTL_MS) fresh++;
    }
    return fresh;
  }

  /** Remembers `keys` as sent by `source` now (only once the delivery was accepted). */
  mark(source: string, keys: string[], t: number): void {
    for (const k of new Set(keys)) {
      const id = `${source}\u0000${k}`;
      this.seen.delete(id);
      this.seen.set(id, t);
      if (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.keys().next().value as string);
    }
  }
}

function alertKeys(body: unknown): string[] {
  const alerts = (body as { alerts?: unknown } | null)?.alerts;
  if (!Array.isArray(alerts)) return [];
  return alerts.map((a: { fingerprint?: unknown; labels?: unknown }) => {
    if (typeof a?.fingerprint === 'string') return a.fingerprint;
    const labels = (a?.labels ?? {}) as Record<string, unknown>;
    return JSON.stringify(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    );
  });
}

function tooMany(reply: FastifyReply, seconds: number, what: string): FastifyReply {
  return reply
    .code(429)
    .header('retry-after', String(seconds))
    .send({ error: `rate limit: ${what}; retry in ${seconds} s` });
}

const isAlertWebhook = (req: FastifyRequest) => req.method === 'POST' && req.url.startsWith('/v1/alerts');
const isApi = (req: FastifyRequest) => req.url.startsWith('/v1/');

/** The two hooks enforcing `limits`: onRequest (requests) and preHandler (new alerts). */
export function rateLimitHooks(limits: RateLimits) {
  const requests = new Buckets(limits.alertRequests);
  const fresh = new Buckets(limits.newAlerts);
  const api = new Buckets(limits.api);
  const perAlert = new Buckets(limits.perAlert);
  const seen = new SeenAlerts();
  return {
    onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
      if (!limits.enabled || !isApi(req)) return;
      const webhook = isAlertWebhook(req);
      const wait = (webhook ? requests : api).take(req.ip);
      if (wait > 0)
        return tooMany(
          reply,
          wait,
          `too many ${webhook ? 'alert deliveries' : 'API requests'} from ${req.ip}`,
        );
    },
    preHandler: async (req: FastifyRequest, reply: FastifyReply) => {
      if (!limits.enabled || !isAlertWebhook(req)) return;
      const keys = [...new Set(alertKeys(req.body))];
      const t = Date.now();
      const count = seen.countNew(req.ip, keys, t);
      const wait = count === 0 ? 0 : fresh.waitFor(req.ip, count);
      if (wait > 0) {
        return tooMany(
          reply,
          wait,
          `${count} new alert(s) from ${req.ip} exceed its allowance of new alerts (${limits.newAlerts.burst}, refilled ${limits.newAlerts.perSecond}/s)`,
        );
      }
      for (const k of keys) {
        const again = perAlert.waitFor(k);
        if (again > 0) return tooMany(reply, again, `alert ${k.slice(0, 64)} is delivered too often`);
      }
      // Nothing is charged unless the whole delivery is accepted.
      if (count > 0) fresh.take(req.ip, count);
      for (const k of keys) perAlert.take(k);
      seen.mark(req.ip, keys, t);
    },
  };
}
