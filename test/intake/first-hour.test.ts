/**
 * The intake's edges a newcomer met first (issue #18), over HTTP on loopback with a scripted
 * Temporal client: webhooks sent with the wrong content type, coerced query strings, unmatched
 * alerts logged and listed, the catch-all route, and the incident gauges on /metrics. The same
 * behaviour against real Temporal, a real engine and real SMTP is in test/engine/first-hour.test.ts.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { join } from 'node:path';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { IncidentState, TimelineEntry } from '../../contracts/incident';
import type { Plan } from '../../contracts/plan';
import { buildIntake, createMetrics, libraryFromPlans } from '../../apps/intake';
import { IncidentGauges } from '../../apps/intake/incident-gauges';
import { UnmatchedAlerts } from '../../apps/intake/unmatched';
import type { UnmatchedEntry } from '../../apps/intake/unmatched';
import { loadLibrary } from '../../frontend/library';
import { config, plan, state } from './support/fixtures';
import { alertmanagerPayload } from './support/payloads';

const ROOT = join(__dirname, '..', '..');
const catchAllPlan = (): Plan => {
  const p = loadLibrary(join(ROOT, 'examples', 'runbooks')).plans[0];
  if (!p) throw new Error('examples/runbooks/catch-all.yaml did not compile');
  return p;
};

/** What the scripted client was asked to start. */
interface Started {
  workflowId: string;
  runbook: string;
}

/** A Temporal client holding `states` as running incidents (and `closed` as closed ones). */
function scriptedClient(states: IncidentState[], closed: IncidentState[] = []) {
  const started: Started[] = [];
  const queries: string[] = [];
  const exec = (s: IncidentState, running: boolean) =>
    ({
      workflowId: s.id,
      runId: `run-${s.id}`,
      status: { name: running ? 'RUNNING' : 'COMPLETED' },
      startTime: new Date(s.startedAt),
    }) as unknown as WorkflowExecutionInfo;
  const byId = new Map([...states, ...closed].map((s) => [s.id, s]));
  const client = {
    workflow: {
      async *list({ query }: { query: string }) {
        queries.push(query);
        const running = !query.includes("!= 'Running'");
        for (const s of running ? states : closed) yield exec(s, running);
      },
      getHandle: (id: string) => ({
        query: async () => {
          const s = byId.get(id);
          if (!s) throw new Error(`no incident ${id}`);
          return s;
        },
      }),
    },
    // Start-or-join is one signal-with-start call (apps/intake/signal-with-start.ts): every call starts here.
    options: { namespace: 'default', loadedDataConverter: { payloadConverter: defaultPayloadConverter } },
    workflowService: {
      signalWithStartWorkflowExecution: async (req: {
        workflowId: string;
        input: { payloads: unknown[] };
      }) => {
        const input = defaultPayloadConverter.fromPayload(req.input.payloads[0] as never) as { plan: Plan };
        started.push({ workflowId: req.workflowId, runbook: input.plan.runbook.id });
        return { runId: `r${started.length}`, started: true };
      },
    },
  };
  return { client: client as unknown as Client, started, queries };
}

let app: FastifyInstance | undefined;
/** Reads need a person's token (issue #14). */
const READ_TOKEN = 'tok-reader';
const read = { headers: { authorization: `Bearer ${READ_TOKEN}` } };
afterEach(() => app?.close());

async function intake(opts: { states?: IncidentState[]; plans?: Plan[]; catchAll?: string } = {}) {
  const scripted = scriptedClient(opts.states ?? []);
  const lines: string[] = [];
  app = await buildIntake({
    client: scripted.client,
    config: config(),
    library: libraryFromPlans(opts.plans ?? [plan()], opts.catchAll ? { catchAll: opts.catchAll } : {}),
    tokens: { [READ_TOKEN]: 'dave' },
    log: (line) => lines.push(line),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, lines, ...scripted };
}

const post = (url: string, body: unknown, type = 'application/json') =>
  fetch(`${url}/v1/alerts/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('webhook content type', () => {
  it('answers 415 naming application/json to a webhook sent as text/plain, on every webhook route', async () => {
    const { url } = await intake();
    const body = JSON.stringify(alertmanagerPayload('plain'));
    for (const path of ['/v1/alerts/alertmanager', '/v1/alerts', '/v1/alerts/grafana']) {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body,
      });
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({
        error: 'content type "text/plain" is not accepted: send the webhook as application/json',
      });
    }
    const form = await post(url, 'a=1', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
  });

  it('accepts application/json with a charset, and still names a schema violation with 422', async () => {
    const { url } = await intake();
    const ok = await post(
      url,
      alertmanagerPayload('utf8', 'firing', { alertname: 'Other' }),
      'application/json; charset=utf-8',
    );
    expect(ok.status).toBe(202);
    const bad = await post(url, { version: '4' });
    expect(bad.status).toBe(422);
  });
});

describe('GET /v1/incidents query string', () => {
  const five = Array.from({ length: 5 }, (_, i) => state({ id: `incident-pg-connections-q${i}` }));

  it('coerces ?limit=2 to a number and lists that many', async () => {
    const { url } = await intake({ states: five });
    const res = await fetch(`${url}/v1/incidents?limit=2&status=open`, read);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { incidents: { id: string }[] };
    expect(body.incidents.map((i) => i.id)).toEqual([
      'incident-pg-connections-q0',
      'incident-pg-connections-q1',
    ]);
  });

  it('answers 422 naming the parameter when it is not a number or out of range', async () => {
    const { url } = await intake({ states: five });
    for (const q of ['limit=abc', 'limit=0', 'limit=9999', 'status=maybe']) {
      const res = await fetch(`${url}/v1/incidents?${q}`, read);
      expect(res.status).toBe(422);
      expect(((await res.json()) as { error: string }).error).toMatch(/^querystring\/(limit|status) must /);
    }
  });
});

describe('unmatched alerts', () => {
  it('logs each and lists the recent ones, most recent first, once per fingerprint', async () => {
    const { url, lines, started } = await intake();
    await post(url, alertmanagerPayload('u1', 'firing', { alertname: 'NobodyWroteARunbook', env: 'prod' }));
    await post(url, alertmanagerPayload('u2', 'firing', { alertname: 'AnotherUnknown' }));
    await post(url, alertmanagerPayload('u1', 'firing', { alertname: 'NobodyWroteARunbook', env: 'prod' }));
    expect(started).toEqual([]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'unmatched alert NobodyWroteARunbook (fingerprint u1, alertmanager): no runbook matches it; labels alertname="NobodyWroteARunbook" service="postgres" instance="127.0.0.1:5432" severity="warning" env="prod"',
    );
    const res = await fetch(`${url}/v1/alerts/unmatched?limit=5`);
    expect(res.status).toBe(200);
    const { alerts } = (await res.json()) as { alerts: UnmatchedEntry[] };
    expect(alerts.map((a) => [a.fingerprint, a.alertname, a.deliveries])).toEqual([
      ['u1', 'NobodyWroteARunbook', 2],
      ['u2', 'AnotherUnknown', 1],
    ]);
    const one = (await (await fetch(`${url}/v1/alerts/unmatched?limit=1`)).json()) as {
      alerts: UnmatchedEntry[];
    };
    expect(one.alerts.map((a) => a.fingerprint)).toEqual(['u1']);
    expect((await fetch(`${url}/v1/alerts/unmatched?limit=x`)).status).toBe(422);
  });

  it('logs at most the budget per minute and then says how many it held back', () => {
    let now = Date.parse('2026-11-21T10:00:00Z');
    const lines: string[] = [];
    const store = new UnmatchedAlerts({
      log: (l) => lines.push(l),
      linesPerMinute: 3,
      keep: 4,
      now: () => now,
    });
    const a = (fp: string, status: 'firing' | 'resolved' = 'firing') => ({
      status,
      labels: { alertname: `A${fp}` },
      annotations: {},
      startsAt: '2026-11-21T10:00:00Z',
      generatorURL: '',
      fingerprint: fp,
      source: 'generic' as const,
    });
    for (let i = 0; i < 7; i++) store.record(a(`f${i}`), new Date(now).toISOString());
    store.record(a('f0', 'resolved'), new Date(now).toISOString());
    expect(lines).toHaveLength(3);
    now += 61_000;
    store.record(a('f9'), new Date(now).toISOString());
    expect(lines.slice(3)).toEqual([
      '4 more unmatched alert(s) were not logged in the previous minute (GET /v1/alerts/unmatched lists them)',
      'unmatched alert Af9 (fingerprint f9, generic): no runbook matches it; labels alertname="Af9"',
    ]);
    expect(store.recent().map((e) => `${e.fingerprint}:${e.status}`)).toEqual([
      'f9:firing',
      'f0:resolved',
      'f6:firing',
      'f5:firing',
    ]);
  });
});

describe('the catch-all route', () => {
  it('starts the catch-all runbook for an alert no runbook matches, and only for those', async () => {
    const { url, started, lines } = await intake({ plans: [plan(), catchAllPlan()], catchAll: 'catch-all' });
    const res = await post(url, alertmanagerPayload('c1', 'firing', { alertname: 'NobodyWroteARunbook' }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      incidents: [
        expect.objectContaining({
          id: expect.stringMatching(/^incident-catch-all-c1-\d{8}T\d{6}\.\d{3}Z$/u),
          runbook: 'catch-all',
          action: 'started',
        }),
      ],
      unmatched: [
        { fingerprint: 'c1', alertname: 'NobodyWroteARunbook', status: 'firing', caughtBy: 'catch-all' },
      ],
    });
    expect(lines[0]).toContain('routed to the catch-all runbook catch-all');
    await post(url, alertmanagerPayload('c2'));
    expect(started).toEqual([
      { workflowId: 'incident-catch-all-c1', runbook: 'catch-all' },
      { workflowId: 'incident-pg-connections-c2', runbook: 'pg-connections' },
    ]);
  });

  it('refuses to build a library whose catch-all would run commands', () => {
    expect(() => libraryFromPlans([plan()], { catchAll: 'pg-connections' })).toThrow(
      /the catch-all runbook pg-connections \(FIREBREAK_CATCH_ALL\) has 1 remediation\(s\); a catch-all only notifies/,
    );
    expect(() => libraryFromPlans([plan()], { catchAll: 'nope' })).toThrow(/no runbook with id "nope"/);
  });
});

describe('incident gauges', () => {
  const T0 = Date.parse('2026-11-21T10:00:00Z');
  const at = (s: number) => new Date(T0 + s * 1000).toISOString();
  const cliApproval: TimelineEntry = {
    at: at(30),
    kind: 'approved',
    stepId: 'terminate',
    actor: { person: 'dave', channel: 'cli' },
    message: 'dave approved terminate',
  };

  function incidents(): { open: IncidentState[]; closed: IncidentState[] } {
    const waiting = state({
      id: 'incident-a',
      pendingApprovals: [{ ...state().pendingApprovals[0]!, requestedAt: at(-120) }],
    });
    const escalated = state({
      id: 'incident-b',
      status: 'escalated',
      pendingApprovals: [],
      escalation: { level: 1, pages: 2, stopped: false },
      timeline: [
        {
          at: at(-600),
          kind: 'approved',
          stepId: 'x',
          actor: { person: 'dave', channel: 'cli' },
          message: 'before start',
        },
        {
          at: at(20),
          kind: 'escalated',
          data: { level: 1, levelName: 'secondary', reason: 'no ack' },
          message: 'paged secondary (level 2)',
        },
        {
          at: at(25),
          kind: 'approved',
          stepId: 'y',
          actor: { person: 'dave', channel: 'api' },
          message: 'counted by the API route',
        },
      ],
    });
    const closed = state({
      id: 'incident-c',
      status: 'resolved',
      pendingApprovals: [],
      timeline: [cliApproval],
    });
    return { open: [waiting, escalated], closed: [closed] };
  }

  it('reads open incidents by status, pending approvals, the oldest one’s age and escalation levels', async () => {
    const { open, closed } = incidents();
    const { client } = scriptedClient(open, closed);
    const metrics = createMetrics({ incidentRefreshMs: 0 });
    let now = T0;
    const gauges = new IncidentGauges(client, metrics, { now: () => now });
    now = T0 + 60_000;
    await gauges.refresh();
    const text = await metrics.registry.metrics();
    expect(text).toContain('firebreak_incidents_open{status="awaiting_approval"} 1');
    expect(text).toContain('firebreak_incidents_open{status="escalated"} 1');
    expect(text).toContain('firebreak_incidents_open{status="diagnosing"} 0');
    expect(text).toContain('firebreak_approvals_pending 1');
    expect(text).toContain('firebreak_approvals_pending_oldest_seconds 180');
    expect(text).toContain('firebreak_incidents_open_escalation_level{level="1"} 1');
    expect(text).toContain('firebreak_incidents_open_escalation_level{level="2"} 1');
    expect(text).toContain('firebreak_escalations_total{level="2"} 1');
    // The CLI approval on the incident that closed meanwhile counts; the API one was counted by its route.
    expect(text).toContain(
      'firebreak_approvals_total{decision="approve",channel="cli",outcome="accepted"} 1',
    );
    expect(text).not.toContain('channel="api"');
    expect(text).toContain('firebreak_incident_scan_incidents 3');

    await gauges.refresh();
    const again = await metrics.registry.metrics();
    expect(again).toContain(
      'firebreak_approvals_total{decision="approve",channel="cli",outcome="accepted"} 1',
    );
    expect(again).toContain('firebreak_escalations_total{level="2"} 1');
  });

  it('reads the incidents at most once per refresh interval however often it is scraped', async () => {
    const { open, closed } = incidents();
    const scripted = scriptedClient(open, closed);
    const metrics = createMetrics({ incidentRefreshMs: 15_000 });
    let now = T0;
    const gauges = new IncidentGauges(scripted.client, metrics, { now: () => now });
    await gauges.refresh();
    await gauges.refresh();
    now += 14_000;
    await gauges.refresh();
    expect(scripted.queries).toHaveLength(2); // one listing of open incidents, one of closed ones
    now += 2_000;
    await gauges.refresh();
    expect(scripted.queries).toHaveLength(4);
    expect(scripted.queries[3]).toMatch(
      /ExecutionStatus != 'Running' AND CloseTime > '2026-11-21T09:59:00.000Z'/,
    );
  });

  it('reports the truncation when there are more incidents than one reading takes', async () => {
    const { open } = incidents();
    const { client } = scriptedClient(open);
    const metrics = createMetrics({ incidentRefreshMs: 0 });
    await new IncidentGauges(client, metrics, { maxIncidents: 1 }).refresh();
    const text = await metrics.registry.metrics();
    expect(text).toContain('firebreak_incident_scan_truncated 1');
    expect(text).toContain('firebreak_incident_scan_incidents 1');
  });
});
