/**
 * The intake's protection settings: alert size limits and rate limits, from the config file's
 * `intake.limits` / `intake.rateLimit`, the environment, and overrides (in rising precedence).
 */
import { ConfigError } from './errors';
import type { IntakeAlertLimits, IntakeRateLimits } from './types';

type Env = Record<string, string | undefined>;

function int(env: Env, key: string, min: number, max: number): number | undefined {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new ConfigError(key, `expected an integer in ${min}..${max}, got "${raw}"`);
  }
  return n;
}

/**
 * FIREBREAK_MAX_LABELS, FIREBREAK_MAX_LABEL_BYTES, FIREBREAK_MAX_LABELS_BYTES,
 * FIREBREAK_MAX_ANNOTATION_BYTES, FIREBREAK_MAX_ANNOTATIONS_BYTES.
 */
export function alertLimitsFrom(
  env: Env,
  ...layers: (Partial<IntakeAlertLimits> | undefined)[]
): Partial<IntakeAlertLimits> {
  const fromEnv: Partial<IntakeAlertLimits> = {};
  const set = <K extends keyof IntakeAlertLimits>(k: K, v: number | undefined) => {
    if (v !== undefined) fromEnv[k] = v;
  };
  set('maxLabels', int(env, 'FIREBREAK_MAX_LABELS', 1, 10_000));
  set('maxLabelBytes', int(env, 'FIREBREAK_MAX_LABEL_BYTES', 16, 1 << 20));
  set('maxLabelsTotalBytes', int(env, 'FIREBREAK_MAX_LABELS_BYTES', 16, 16 << 20));
  set('maxAnnotationBytes', int(env, 'FIREBREAK_MAX_ANNOTATION_BYTES', 16, 1 << 20));
  set('maxAnnotationsTotalBytes', int(env, 'FIREBREAK_MAX_ANNOTATIONS_BYTES', 16, 16 << 20));
  const [file, override] = layers;
  return { ...(file ?? {}), ...fromEnv, ...(override ?? {}) };
}

/**
 * FIREBREAK_RATE_LIMIT=off turns rate limiting off; FIREBREAK_RATE_NEW_ALERTS=burst/perSecond,
 * FIREBREAK_RATE_ALERT_REQUESTS, FIREBREAK_RATE_API and FIREBREAK_RATE_PER_ALERT set one allowance.
 */
export function rateLimitsFrom(
  env: Env,
  file: IntakeRateLimits | undefined,
  override: IntakeRateLimits | undefined,
): IntakeRateLimits {
  const out: IntakeRateLimits = { ...(file ?? {}) };
  const flag = env.FIREBREAK_RATE_LIMIT?.trim().toLowerCase();
  if (flag === 'off' || flag === 'false' || flag === '0') out.enabled = false;
  else if (flag === 'on' || flag === 'true' || flag === '1') out.enabled = true;
  else if (flag) throw new ConfigError('FIREBREAK_RATE_LIMIT', `expected on or off, got "${flag}"`);
  for (const [key, name] of [
    ['alertRequests', 'FIREBREAK_RATE_ALERT_REQUESTS'],
    ['newAlerts', 'FIREBREAK_RATE_NEW_ALERTS'],
    ['api', 'FIREBREAK_RATE_API'],
    ['perAlert', 'FIREBREAK_RATE_PER_ALERT'],
  ] as const) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(raw);
    if (!m || Number(m[1]) < 1 || Number(m[2]) <= 0) {
      throw new ConfigError(name, `expected burst/perSecond (e.g. 500/20), got "${raw}"`);
    }
    out[key] = { burst: Number(m[1]), perSecond: Number(m[2]) };
  }
  return { ...out, ...(override ?? {}) };
}
