/** The intakes' HTTP API as the cluster lane drives it: fire alerts, read and act on incidents. */
import type { IncidentState } from '../../../contracts/incident';
import type { FirebreakProcess } from './processes';
import { TOKENS } from './topology';

/** Reads need credentials (issue #14): the lane reads as alice. */
export const READ_HEADERS = { authorization: `Bearer ${TOKENS.alice}` };

/** One Alertmanager delivery (webhook v4) of alert `alertname` with fingerprint `fp`. */
export interface Delivery {
  alertname: string;
  fp: string;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  labels?: Record<string, string>;
}

export function webhook(d: Delivery): Record<string, unknown> {
  const status = d.status ?? 'firing';
  const labels = { alertname: d.alertname, service: 'cluster', ...(d.labels ?? {}) };
  return {
    version: '4',
    groupKey: `{}:{alertname="${d.alertname}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'firebreak',
    groupLabels: { alertname: d.alertname },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.cluster.test:9093',
    alerts: [
      {
        status,
        labels,
        annotations: { summary: `${d.alertname} in the cluster lane` },
        startsAt: d.startsAt ?? '2026-11-21T10:00:00Z',
        endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.cluster.test/graph',
        fingerprint: d.fp,
      },
    ],
  };
}

/** What a webhook delivery was answered. */
export interface Answer {
  status: number;
  body: { incidents?: { id: string; action: string; deduplicated: boolean }[]; error?: string };
}

export async function fire(intake: FirebreakProcess, d: Delivery): Promise<Answer> {
  const res = await fetch(`${intake.url}/v1/alerts/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(webhook(d)),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** The id of the one incident a delivery was answered with. */
export function incidentIdOf(a: Answer): string {
  const id = a.body.incidents?.[0]?.id;
  if (a.status !== 202 || !id)
    throw new Error(`delivery not accepted: ${a.status} ${JSON.stringify(a.body)}`);
  return id;
}

export async function getIncident(
  intake: FirebreakProcess,
  id: string,
): Promise<{ status: number; state?: IncidentState }> {
  const res = await fetch(`${intake.url}/v1/incidents/${encodeURIComponent(id)}`, {
    headers: READ_HEADERS,
    signal: AbortSignal.timeout(30_000),
  });
  return res.ok ? { status: res.status, state: (await res.json()) as IncidentState } : { status: res.status };
}

/** Polls incident `id` through `intake` until `pred` holds (or fails with the last state seen). */
export async function waitForIncident(
  intake: FirebreakProcess,
  id: string,
  pred: (s: IncidentState) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<IncidentState> {
  const end = Date.now() + timeoutMs;
  let last: IncidentState | undefined;
  let lastError = '';
  while (Date.now() < end) {
    try {
      const r = await getIncident(intake, id);
      last = r.state ?? last;
      if (r.state && pred(r.state)) return r.state;
      lastError = r.state ? '' : `HTTP ${r.status}`;
    } catch (e) {
      lastError = (e as Error).message; // e.g. the Temporal server restarting
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `${id}: ${what} not reached in ${timeoutMs} ms (status ${last?.status ?? '?'}; ${lastError})`,
  );
}

export async function post(
  intake: FirebreakProcess,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${intake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
