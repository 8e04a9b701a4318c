/**
 * Prometheus Alertmanager webhook (payload version "4") → normalized {@link AlertInstance}s.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
import { createHash } from 'node:crypto';
import { AlertPayloadError } from './errors';
import type { AlertInstance } from '../../contracts/alert';

/** The webhook body as Alertmanager sends it (fields we read). */
export interface AlertmanagerWebhook {
  version: string;
  groupKey?: string;
  truncatedAlerts?: number;
  status: 'firing' | 'resolved';
  receiver?: string;
  groupLabels?: Record<string, string>;
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  externalURL?: string;
  alerts: AlertmanagerAlert[];
}

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
}

/** Alertmanager's "no end yet" timestamp (Go's zero time); treated as absent. */
const ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/;
/** Bound on alerts per payload; Alertmanager's own max_alerts truncation is usually far lower. */
export const MAX_ALERTS_PER_PAYLOAD = 10_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `string ${JSON.stringify(v.slice(0, 40))}` : typeof v;
}

function stringMap(v: unknown, field: string, optional: boolean): Record<string, string> {
  if (v === undefined && optional) return {};
  if (!isObject(v)) throw new AlertPayloadError(field, `expected an object of strings, got ${describe(v)}`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string')
      throw new AlertPayloadError(`${field}.${k}`, `expected a string, got ${describe(val)}`);
    out[k] = val;
  }
  return out;
}

function optString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AlertPayloadError(field, `expected a string, got ${describe(v)}`);
  return v;
}

function status(v: unknown, field: string): 'firing' | 'resolved' {
  if (v === 'firing' || v === 'resolved') return v;
  throw new AlertPayloadError(field, `expected "firing" or "resolved", got ${describe(v)}`);
}

/**
 * Stable fingerprint for senders that give none: sha256 over the labels sorted by name,
 * shortened to 16 hex digits like Alertmanager's own.
 */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/**
 * Validates and normalizes a webhook body (already JSON-parsed). Throws an
 * {@link AlertPayloadError} naming the first offending field (`alerts[2].labels.service`).
 */
export function parseAlertmanagerWebhook(payload: unknown): AlertInstance[] {
  if (!isObject(payload))
    throw new AlertPayloadError('payload', `expected a JSON object, got ${describe(payload)}`);
  if (payload.version !== '4') {
    throw new AlertPayloadError(
      'version',
      `expected "4" (Alertmanager webhook v4), got ${describe(payload.version)}`,
    );
  }
  status(payload.status, 'status');
  const receiver = optString(payload.receiver, 'receiver');
  const groupKey = optString(payload.groupKey, 'groupKey');
  if (!Array.isArray(payload.alerts))
    throw new AlertPayloadError('alerts', `expected an array, got ${describe(payload.alerts)}`);
  if (payload.alerts.length > MAX_ALERTS_PER_PAYLOAD) {
    throw new AlertPayloadError(
      'alerts',
      `too many alerts (${payload.alerts.length} > ${MAX_ALERTS_PER_PAYLOAD})`,
    );
  }
  return payload.alerts.map((raw: unknown, i): AlertInstance => {
    const at = `alerts[${i}]`;
    if (!isObject(raw)) throw new AlertPayloadError(at, `expected an object, got ${describe(raw)}`);
    const labels = stringMap(raw.labels, `${at}.labels`, false);
    const startsAt = optString(raw.startsAt, `${at}.startsAt`);
    if (startsAt === undefined)
      throw new AlertPayloadError(`${at}.startsAt`, 'required RFC 3339 timestamp is missing');
    const endsAt = optString(raw.endsAt, `${at}.endsAt`);
    const fingerprint = optString(raw.fingerprint, `${at}.fingerprint`);
    const alert: AlertInstance = {
      status: status(raw.status, `${at}.status`),
      labels,
      annotations: stringMap(raw.annotations, `${at}.annotations`, true),
      startsAt,
      generatorURL: optString(raw.generatorURL, `${at}.generatorURL`) ?? '',
      fingerprint: fingerprint || labelsFingerprint(labels),
      source: 'alertmanager',
    };
    if (endsAt !== undefined && !ZERO_TIME.test(endsAt)) alert.endsAt = endsAt;
    if (receiver !== undefined) alert.receiver = receiver;
    if (groupKey !== undefined) alert.groupKey = groupKey;
    return alert;
  });
}
