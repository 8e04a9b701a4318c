/**
 * Bounded alerts (issue #15, finding 4): how many labels an alert may carry and how large its
 * labels and annotations may be. A delivery over a limit is refused whole before anything is
 * matched or started — 422 for too many labels, 413 for a value too large — naming the field, so
 * no alert can carry megabytes into an incident's history.
 */
import type { FastifyRequest } from 'fastify';
import { IntakeError } from './errors';

/** Limits on one alert; configurable (`intake.limits`, FIREBREAK_MAX_*). */
export interface AlertLimits {
  /** Labels per alert. */
  maxLabels: number;
  /** UTF-8 bytes of one label name or value. */
  maxLabelBytes: number;
  /** UTF-8 bytes of all of an alert's labels together (names and values). */
  maxLabelsTotalBytes: number;
  /** UTF-8 bytes of one annotation value. */
  maxAnnotationBytes: number;
  /** UTF-8 bytes of all of an alert's annotations together (names and values). */
  maxAnnotationsTotalBytes: number;
}

export const DEFAULT_ALERT_LIMITS: AlertLimits = {
  maxLabels: 64,
  maxLabelBytes: 1024,
  maxLabelsTotalBytes: 8 * 1024,
  maxAnnotationBytes: 8 * 1024,
  maxAnnotationsTotalBytes: 16 * 1024,
};

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function checkLabels(at: string, labels: Record<string, unknown>, limits: AlertLimits): void {
  const names = Object.keys(labels);
  if (names.length > limits.maxLabels) {
    throw new IntakeError(
      422,
      `${at}.labels has ${names.length} labels; at most ${limits.maxLabels} are allowed`,
    );
  }
  let total = 0;
  for (const name of names) {
    const value = labels[name];
    total += bytes(name) + (typeof value === 'string' ? bytes(value) : 0);
    if (bytes(name) > limits.maxLabelBytes) {
      throw new IntakeError(
        413,
        `${at}.labels: a label name is ${bytes(name)} bytes; at most ${limits.maxLabelBytes} are allowed`,
      );
    }
    if (typeof value === 'string' && bytes(value) > limits.maxLabelBytes) {
      throw new IntakeError(
        413,
        `${at}.labels.${name} is ${bytes(value)} bytes; at most ${limits.maxLabelBytes} are allowed`,
      );
    }
  }
  if (total > limits.maxLabelsTotalBytes) {
    throw new IntakeError(
      413,
      `${at}.labels total ${total} bytes; at most ${limits.maxLabelsTotalBytes} are allowed`,
    );
  }
}

function checkAnnotations(at: string, annotations: Record<string, unknown>, limits: AlertLimits): void {
  let total = 0;
  for (const [name, value] of Object.entries(annotations)) {
    const size = typeof value === 'string' ? bytes(value) : 0;
    if (size > limits.maxAnnotationBytes) {
      throw new IntakeError(
        413,
        `${at}.annotations.${name.slice(0, 100)} is ${size} bytes; at most ${limits.maxAnnotationBytes} are allowed`,
      );
    }
    total += bytes(name) + size;
  }
  if (total > limits.maxAnnotationsTotalBytes) {
    throw new IntakeError(
      413,
      `${at}.annotations total ${total} bytes; at most ${limits.maxAnnotationsTotalBytes} are allowed`,
    );
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Throws an {@link IntakeError} (413/422) for the first alert of `body` over a limit. */
export function checkAlertLimits(body: unknown, limits: AlertLimits): void {
  const alerts = isObject(body) ? body.alerts : undefined;
  if (!Array.isArray(alerts)) return; // the route's schema answers that
  alerts.forEach((a: unknown, i) => {
    if (!isObject(a)) return;
    if (isObject(a.labels)) checkLabels(`alerts[${i}]`, a.labels, limits);
    if (isObject(a.annotations)) checkAnnotations(`alerts[${i}]`, a.annotations, limits);
  });
}

/** preHandler of the alert webhooks (after the schema, before the handler starts anything). */
export function alertLimitsHook(limits: AlertLimits) {
  return async (req: FastifyRequest): Promise<void> => {
    if (req.method === 'POST' && req.url.startsWith('/v1/alerts')) checkAlertLimits(req.body, limits);
  };
}
