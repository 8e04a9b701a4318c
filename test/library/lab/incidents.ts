/**
 * Driving incidents through the engine the way an operator does: Alertmanager's webhook in, the
 * incident API out (approve a step, close an incident), polling the state as a console would.
 */
import { readFileSync } from 'node:fs';
import type { PublicIncidentState } from '../../../apps/intake/public-state';
import type { IncidentStatus } from '../../../contracts/incident';

/** An incident as the API hands it out (the report as URLs, not the worker's file). */
type IncidentState = PublicIncidentState;

/** One alert as Alertmanager sends it inside a webhook. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** A v4 webhook carrying these alerts, as Alertmanager groups them. */
export function webhook(alerts: WebhookAlert[]): Record<string, unknown> {
  const common = (pick: (a: WebhookAlert) => Record<string, string>) =>
    Object.fromEntries(
      Object.entries(pick(alerts[0]!)).filter(([k, v]) => alerts.every((a) => pick(a)[k] === v)),
    );
  return {
    version: '4',
    groupKey: `{}:{alertname="${alerts[0]!.labels.alertname}"}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'firebreak',
    groupLabels: { alertname: alerts[0]!.labels.alertname },
    commonLabels: common((a) => a.labels),
    commonAnnotations: common((a) => a.annotations),
    externalURL: 'http://alertmanager.example.internal:9093',
    alerts,
  };
}

/** The alerts of a committed webhook fixture. */
export function fixtureAlerts(file: string): WebhookAlert[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { alerts: WebhookAlert[] }).alerts;
}

const TERMINAL: IncidentStatus[] = ['resolved', 'failed', 'cancelled'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class IncidentApi {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** Posts a webhook; answers the incident ids it started or joined. */
  async fire(payload: Record<string, unknown>): Promise<string[]> {
    const res = await fetch(`${this.url}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    if (res.status !== 202) throw new Error(`webhook refused: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { incidents: { id: string }[] }).incidents.map((i) => i.id);
  }

  async get(id: string): Promise<IncidentState> {
    const res = await fetch(`${this.url}/v1/incidents/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (res.status !== 200) throw new Error(`GET ${id}: ${res.status} ${await res.text()}`);
    return (await res.json()) as IncidentState;
  }

  /** The incident's report as the API renders it (Markdown); any intake serves it, open or closed. */
  async report(id: string): Promise<string> {
    const res = await fetch(`${this.url}/v1/incidents/${encodeURIComponent(id)}/report?format=md`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (res.status !== 200) throw new Error(`GET report of ${id}: ${res.status} ${await res.text()}`);
    return res.text();
  }

  async post(id: string, action: string, body: Record<string, unknown> = {}): Promise<void> {
    const res = await fetch(`${this.url}/v1/incidents/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`POST ${action} on ${id}: ${res.status} ${await res.text()}`);
  }

  /** Polls until `until` holds (bounded), answering the last state. */
  async waitFor(
    id: string,
    until: (s: IncidentState) => boolean,
    timeoutMs = 120_000,
  ): Promise<IncidentState> {
    const end = Date.now() + timeoutMs;
    let last: IncidentState | undefined;
    while (Date.now() < end) {
      last = await this.get(id).catch(() => undefined);
      if (last && until(last)) return last;
      await sleep(300);
    }
    // The failed steps' own output says why far better than the timeline does.
    const failed = (last?.steps ?? [])
      .filter((st) => st.status === 'failed')
      .map((st) => ({ id: st.id, hosts: st.hosts, error: st.error }));
    throw new Error(
      `incident ${id} did not get there in time; last status ${last?.status ?? 'unknown'}:\n${JSON.stringify(last?.timeline.slice(-8), null, 1)}\nfailed steps: ${JSON.stringify(failed, null, 1)}`,
    );
  }

  /**
   * Approves each step that asks, as it asks, while `approve(stepId)` says so; stops at the end
   * of the incident, or when it waits for a human (escalated, or nothing left to approve in
   * human resolution). Answers the state and the steps approved, in order.
   */
  async drive(
    id: string,
    approve: (stepId: string) => boolean = () => true,
    timeoutMs = 150_000,
  ): Promise<{ state: IncidentState; approved: string[] }> {
    const approved: string[] = [];
    const end = Date.now() + timeoutMs;
    let quietPolls = 0;
    let lastTimeline = -1;
    for (;;) {
      const s = await this.get(id);
      if (TERMINAL.includes(s.status)) return { state: s, approved };
      const pending = s.pendingApprovals.find((p) => approve(p.stepId) && !approved.includes(p.stepId));
      if (pending) {
        await this.post(id, 'approve', {
          stepId: pending.stepId,
          comment: 'approved by the library e2e test',
        });
        approved.push(pending.stepId);
        quietPolls = 0;
      } else {
        // Settled: nothing runs and nothing new happened for a few polls, so only a person can act.
        quietPolls = idle(s) && s.timeline.length === lastTimeline ? quietPolls + 1 : 0;
        if (quietPolls >= 5) return { state: s, approved };
      }
      lastTimeline = s.timeline.length;
      if (Date.now() > end) throw new Error(`incident ${id} still ${s.status} after ${timeoutMs} ms`);
      await sleep(300);
    }
  }
}

/** Nothing runs or waits on a timer the workflow set itself. */
function idle(s: IncidentState): boolean {
  if (s.status === 'triggered' || s.status === 'verifying') return false;
  return !s.steps.some((x) => x.status === 'running' || x.status === 'pending');
}
