/**
 * The intake against a real Temporal dev server running the real incident workflow, with the real
 * on-call resolver and the real mail activity talking to an in-process SMTP server.
 */
import { inertCommandsAndReport } from '../support/stub-activities';
import { captureIO as capture } from '../support/cli';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run as runAlert } from '../../apps/cli/alert';
import { run as runIncidentCommand, runIncident, runIncidentSafely } from '../../apps/cli/incident';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createNotifyActivities } from '../../activities/notify';
import { createOnCallActivities } from '../../activities/oncall';
import type { IncidentActivities } from '../../activities/types';
import type { IncidentState } from '../../contracts/incident';
import { libraryFromPlans, startIntake } from '../../apps/intake';
import type { RunningIntake } from '../../apps/intake';
import { createMailer, signApproval } from '../../services/notify';
import type { Mailer } from '../../services/notify';
import { loadOnCall } from '../../services/oncall';
import { incidentWorkflowId, stateQuery } from '../../workflows/definitions';
import { workflowIdOfIncident } from '../../language/plan/context';
import { createDevServerEnv, freePort, workflowBundle } from '../support/temporal';
import { config as makeConfig, plan } from './support/fixtures';
import { alertmanagerPayload } from './support/payloads';
import { startSmtp } from './support/smtp';
import type { TestSmtp } from './support/smtp';

const taskQueue = 'intake-test';
const TOKENS = { 'tok-dave': 'dave', 'tok-carol': 'carol', 'tok-alice': 'alice' };
/** Of service qcat-db: oncall.yaml's dba-oncall (dave) approves its steps (guide 003's DBA first). */
const runbook = plan('pg-connections', 'qcat-db');

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let smtp: TestSmtp;
let mailer: Mailer;
let intake: RunningIntake;
let url: string;
/** The intake and CLI run on a client over the SDK's native connection (what the engine uses). */
let native: Client;
const cfg = makeConfig();

beforeAll(async () => {
  [env, smtp] = await Promise.all([createDevServerEnv(), startSmtp()]);
  native = new Client({ connection: env.nativeConnection });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  cfg.temporal.taskQueue = taskQueue;
  cfg.intake = { ...cfg.intake, port, publicUrl: url, bodyLimitBytes: 64 * 1024, tokens: TOKENS };
  mailer = createMailer({ smtpUrl: smtp.url, from: 'firebreak@example.com', outboxDir: '/tmp/unused' });
  const oncall = loadOnCall(path.join(__dirname, '..', '..', 'oncall.yaml'));
  const activities: IncidentActivities = {
    ...createOnCallActivities({ oncall }),
    ...createNotifyActivities({ mailer, config: cfg }),
    ...inertCommandsAndReport(),
  };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  running = worker.run();
  intake = await startIntake(cfg, { client: native, library: libraryFromPlans([runbook]) });
}, 240_000);

afterAll(async () => {
  await intake?.close();
  worker?.shutdown();
  await running;
  mailer?.close();
  await smtp?.stop();
  await env?.teardown();
});

async function post(
  p: string,
  body: unknown,
  headers: Record<string, string> = {},
  base = url,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

/** The workflow id the incidents of alert `fp` run under. */
const idFor = (fp: string) => incidentWorkflowId(runbook.runbook.id, fp);
/** Matches the id of an incident of alert `fp`: its workflow id plus its opening time. */
const incidentOf = (fp: string) =>
  expect.stringMatching(new RegExp(`^${idFor(fp)}-\\d{8}T\\d{6}\\.\\d{3}Z$`));
/** The current run under the workflow id of incident (or workflow) `id`. */
const handle = (id: string) => env.client.workflow.getHandle(workflowIdOfIncident(id));
/** The id of the first incident a webhook answer names. */
const firstId = (r: { json: Record<string, unknown> }) => (r.json.incidents as { id: string }[])[0]!.id;

async function until(id: string, pred: (s: IncidentState) => boolean, what: string): Promise<IncidentState> {
  let last: IncidentState | undefined;
  for (let i = 0; i < 150; i++) {
    try {
      last = await handle(id).query(stateQuery);
      if (pred(last)) return last;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not reached; last status ${last?.status}`);
}

async function exists(id: string): Promise<boolean> {
  try {
    await handle(id).describe();
    return true;
  } catch {
    return false;
  }
}

describe('alert webhooks', () => {
  it('starts one incident for 50 concurrent identical Alertmanager deliveries and counts them all', async () => {
    const fp = 'concurrent50';
    const results = await Promise.all(
      Array.from({ length: 50 }, () => post('/v1/alerts/alertmanager', alertmanagerPayload(fp))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(202));
    const incidents = results.flatMap((r) => r.json.incidents as { id: string; deduplicated: boolean }[]);
    expect(new Set(incidents.map((i) => i.id)).size).toBe(1);
    expect(incidents[0]?.id).toEqual(incidentOf(fp));
    expect(incidents.filter((i) => !i.deduplicated)).toHaveLength(1);
    const s = await until(idFor(fp), (x) => x.alertCount === 50, '50 deliveries counted');
    expect(s.alertCount).toBe(50);
    const runs = [];
    for await (const w of env.client.workflow.list({ query: `WorkflowId = '${idFor(fp)}'` })) runs.push(w);
    expect(runs.length).toBeLessThanOrEqual(1); // visibility may lag, but never shows two runs
  });

  it('joins an HA pair of intakes delivering the same group twice into one incident', async () => {
    const fp = 'ha-pair';
    const other = await startIntake(
      { ...cfg, intake: { ...cfg.intake, port: 0 } },
      { client: native, library: libraryFromPlans([runbook]) },
    );
    try {
      const body = alertmanagerPayload(fp);
      const [a, b] = await Promise.all([
        post('/v1/alerts/alertmanager', body),
        post('/v1/alerts/alertmanager', body, {}, other.url),
      ]);
      expect(a.status).toBe(202);
      expect(b.status).toBe(202);
      const flags = [a, b].map((r) => (r.json.incidents as { deduplicated: boolean }[])[0]?.deduplicated);
      expect(flags.sort()).toEqual([false, true]);
      expect((await until(idFor(fp), (x) => x.alertCount === 2, 'two deliveries')).alertCount).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('cancels the incident when Alertmanager delivers resolved, and never starts one for resolved alone', async () => {
    const fp = 'resolves';
    const opened = await post('/v1/alerts/alertmanager', alertmanagerPayload(fp));
    expect(opened.status).toBe(202);
    const first = firstId(opened);
    await until(idFor(fp), (s) => s.status === 'awaiting_approval', 'awaiting approval');
    const r = await post('/v1/alerts/alertmanager', alertmanagerPayload(fp, 'resolved'));
    expect(r.json.incidents).toEqual([expect.objectContaining({ id: first, action: 'resolved' })]);
    const final = await handle(idFor(fp)).result();
    expect(final.status).toBe('cancelled');
    expect(final.alertResolvedAt).toBeDefined();

    // The intake still remembers the closed run: the alert firing again opens a new incident.
    const closedRun = (await handle(idFor(fp)).describe()).runId;
    const again = await post('/v1/alerts/alertmanager', alertmanagerPayload(fp));
    expect(again.json.incidents).toEqual([
      expect.objectContaining({ id: incidentOf(fp), action: 'started', deduplicated: false }),
    ]);
    expect(firstId(again)).not.toBe(first);
    const reopened = await handle(idFor(fp)).describe();
    expect(reopened.runId).not.toBe(closedRun);
    expect(reopened.status.name).toBe('RUNNING');
    await handle(idFor(fp)).cancel();

    const lone = await post('/v1/alerts/alertmanager', alertmanagerPayload('never-fired', 'resolved'));
    expect(lone.json.incidents).toEqual([expect.objectContaining({ action: 'no_incident' })]);
    expect(await exists(idFor('never-fired'))).toBe(false);
  });

  it('accepts the generic and Grafana formats and reports unmatched alerts', async () => {
    const g = await post('/v1/alerts', {
      alerts: [
        { labels: { alertname: 'PostgresTooManyConnections', service: 'postgres' }, fingerprint: 'generic1' },
        { labels: { alertname: 'Other' } },
      ],
    });
    expect(g.status).toBe(202);
    expect(g.json.incidents).toEqual([
      expect.objectContaining({ id: incidentOf('generic1'), deduplicated: false }),
    ]);
    expect(g.json.unmatched).toEqual([expect.objectContaining({ alertname: 'Other' })]);
    const graf = await post('/v1/alerts/grafana', {
      status: 'firing',
      receiver: 'grafana',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'PostgresTooManyConnections' },
          startsAt: '2026-11-21T10:00:00Z',
          fingerprint: 'grafana1',
          panelURL: 'http://g/p',
        },
      ],
    });
    expect(graf.json.incidents).toEqual([
      expect.objectContaining({ id: incidentOf('grafana1'), action: 'started' }),
    ]);
    const s = await until(idFor('grafana1'), () => true, 'grafana incident');
    expect(s.alert.source).toBe('grafana');
  });

  it('refuses malformed, invalid, oversized and unauthenticated requests and starts nothing', async () => {
    const bad = await post('/v1/alerts/alertmanager', '{"version": "4", ');
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toMatch(/JSON/i);

    const twoAlerts = alertmanagerPayload('half-1');
    (twoAlerts.alerts as unknown[]).push({
      status: 'firing',
      labels: { alertname: 'PostgresTooManyConnections', bad: 7 },
      startsAt: 'x',
      fingerprint: 'half-2',
    });
    const invalid = await post('/v1/alerts/alertmanager', twoAlerts);
    expect(invalid.status).toBe(422);
    expect(String(invalid.json.error)).toContain('/alerts/1/labels/bad');
    expect(await exists(idFor('half-1'))).toBe(false);

    // A fingerprint becomes part of the incident id (URLs, file names): path tricks are refused.
    const sneaky = alertmanagerPayload('ok-fp');
    (sneaky.alerts as { fingerprint: string }[])[0]!.fingerprint = '../../etc/passwd';
    const refused = await post('/v1/alerts/alertmanager', sneaky);
    expect(refused.status).toBe(422);
    expect(String(refused.json.error)).toContain('/alerts/0/fingerprint');

    const big = alertmanagerPayload('too-big', 'firing', { filler: 'x'.repeat(70 * 1024) });
    expect((await post('/v1/alerts/alertmanager', big)).status).toBe(413);
    expect(await exists(idFor('too-big'))).toBe(false);

    const guarded = await startIntake(
      { ...cfg, intake: { ...cfg.intake, port: 0, alertToken: 'alert-secret' } },
      { client: native, library: libraryFromPlans([runbook]) },
    );
    try {
      const p = '/v1/alerts/alertmanager';
      const none = await post(p, alertmanagerPayload('unauth'), {}, guarded.url);
      expect(none.status).toBe(401);
      const wrong = await post(
        p,
        alertmanagerPayload('unauth'),
        { authorization: 'Bearer nope' },
        guarded.url,
      );
      expect(wrong.status).toBe(401);
      expect(await exists(idFor('unauth'))).toBe(false);
      const ok = await post(
        p,
        alertmanagerPayload('authed'),
        { authorization: 'Bearer alert-secret' },
        guarded.url,
      );
      expect(ok.status).toBe(202);
    } finally {
      await guarded.close();
    }
  });
});

describe('approvals', () => {
  it('mails both signed links; following Approve over HTTP advances the workflow and a replay is refused', async () => {
    const fp = 'approve-by-mail';
    const before = smtp.messages.length;
    const id = firstId(await post('/v1/alerts/alertmanager', alertmanagerPayload(fp)));
    await until(id, (s) => s.status === 'awaiting_approval', 'awaiting approval');
    // dave is on dba-oncall, which approves qcat-db steps.
    const mail = await waitForMail(
      (m) =>
        m.subject?.includes('Approve') === true &&
        JSON.stringify(m.to).includes('dave@example.com') &&
        (m.text ?? '').includes(id),
      before,
    );
    const approve = /Approve: (\S+)/.exec(mail.text ?? '')?.[1];
    const reject = /Reject:\s+(\S+)/.exec(mail.text ?? '')?.[1];
    expect(approve).toMatch(new RegExp(`^${url}/v1/approvals/`));
    expect(reject).toMatch(new RegExp(`^${url}/v1/approvals/`));

    // The link opens a confirmation page (a mail scanner's GET decides nothing); its button POSTs.
    const confirmation = await fetch(approve!);
    expect(confirmation.status).toBe(200);
    const page = await confirmation.text();
    expect(page).toContain('Nothing has been decided yet');
    const confirm = /name="confirm" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const press = (link: string, decision: string) =>
      fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ confirm, decision }).toString(),
      });
    const res = await press(approve!, 'approve');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('dave approved step');
    const s = await until(
      id,
      (x) => x.steps.some((st) => st.id === 'terminate' && st.decidedBy !== undefined),
      'decision recorded',
    );
    expect(s.steps.find((st) => st.id === 'terminate')?.decidedBy).toMatchObject({
      person: 'dave',
      channel: 'email',
      decision: 'approved',
    });
    expect(s.status).not.toBe('awaiting_approval');

    const replay = await press(approve!, 'approve');
    expect(replay.status).toBe(409);
    const replayPage = await replay.text();
    expect(replayPage).toContain('already used');
    expect(replayPage).toContain('approved by dave');

    const late = await fetch(reject!);
    expect(late.status).toBe(409); // its page already says who decided
    expect(await late.text()).toContain('already approved by dave');

    // The refused replay is on the incident's audit trail, with who and through which channel.
    const audited = await until(
      id,
      (x) => x.timeline.some((t) => t.kind === 'approval_refused'),
      'refusal recorded',
    );
    const refusal = audited.timeline.find((t) => t.kind === 'approval_refused');
    expect(refusal).toMatchObject({ stepId: 'terminate', actor: { person: 'dave', channel: 'email' } });
    expect(refusal?.message).toContain('replayed link refused');
  });

  it('refuses forged and expired links without touching the incident', async () => {
    const fp = 'forged-links';
    const id = firstId(await post('/v1/alerts/alertmanager', alertmanagerPayload(fp)));
    await until(id, (s) => s.status === 'awaiting_approval', 'awaiting approval');
    const forged = signApproval('not-the-key', {
      incidentId: id,
      stepId: 'terminate',
      person: 'dave',
      decision: 'approve',
      expiresAt: Date.now() + 60_000,
    });
    const r1 = await fetch(`${url}/v1/approvals/${forged}`);
    expect(r1.status).toBe(403);
    expect(await r1.text()).toContain('signature is not valid');
    const expired = signApproval(cfg.approvalSigningKey, {
      incidentId: id,
      stepId: 'terminate',
      person: 'dave',
      decision: 'approve',
      expiresAt: Date.now() - 1,
    });
    const r2 = await fetch(`${url}/v1/approvals/${expired}`);
    expect(r2.status).toBe(410);
    expect(await r2.text()).toContain('expired');
    const valid = signApproval(cfg.approvalSigningKey, {
      incidentId: id,
      stepId: 'terminate',
      person: 'dave',
      decision: 'approve',
      expiresAt: Date.now() + 60_000,
    });
    const probe = await fetch(`${url}/v1/approvals/${valid}`, { method: 'HEAD' });
    expect(probe.status).toBe(200); // a link scanner's HEAD sees the page and approves nothing
    const s = await handle(id).query(stateQuery);
    expect(s.status).toBe('awaiting_approval');
    expect(s.usedNonces).toEqual([]);
  });

  it('lets the API act by token: unauthorized approver refused by the validator, ack and notes recorded', async () => {
    const fp = 'api-actions';
    const id = firstId(await post('/v1/alerts/alertmanager', alertmanagerPayload(fp)));
    await until(id, (s) => s.status === 'awaiting_approval', 'awaiting approval');

    expect((await post(`/v1/incidents/${id}/approve`, { stepId: 'terminate' })).status).toBe(401);
    expect(
      (await post(`/v1/incidents/${id}/approve`, { stepId: 'terminate' }, { authorization: 'Bearer forged' }))
        .status,
    ).toBe(401);
    const carol = await post(
      `/v1/incidents/${id}/approve`,
      { stepId: 'terminate' },
      { authorization: 'Bearer tok-carol' },
    );
    expect(carol.status).toBe(403);
    expect(String(carol.json.error)).toContain('carol is not an approver');

    const ack = await post(
      `/v1/incidents/${id}/ack`,
      { comment: 'looking' },
      { authorization: 'Bearer tok-alice' },
    );
    expect(ack.status).toBe(200);
    expect(ack.json.acknowledgedBy).toBe('alice');
    const note = await post(
      `/v1/incidents/${id}/notes`,
      { text: 'pgbouncer looks fine' },
      { authorization: 'Bearer tok-dave' },
    );
    expect(note.status).toBe(200);
    const wrongStep = await post(
      `/v1/incidents/${id}/approve`,
      { stepId: 'nope' },
      { authorization: 'Bearer tok-dave' },
    );
    expect(wrongStep.status).toBe(409);
    const ok = await post(
      `/v1/incidents/${id}/approve`,
      { stepId: 'terminate', comment: 'go' },
      { authorization: 'Bearer tok-dave' },
    );
    expect(ok.status).toBe(200);

    const read = { headers: { authorization: 'Bearer tok-carol' } };
    expect((await fetch(`${url}/v1/incidents/${id}`)).status).toBe(401);
    const full = (await (await fetch(`${url}/v1/incidents/${id}`, read)).json()) as IncidentState;
    expect(full.timeline.map((t) => t.kind)).toEqual(
      expect.arrayContaining(['acknowledged', 'note', 'approved', 'approval_refused']),
    );
    const refused = full.timeline.filter((t) => t.kind === 'approval_refused');
    expect(refused.map((t) => t.actor?.person)).toEqual(expect.arrayContaining(['carol', 'dave']));
    expect(refused.find((t) => t.actor?.person === 'carol')?.message).toContain('carol is not an approver');
    expect(full.steps.find((st) => st.id === 'terminate')?.decidedBy).toMatchObject({
      person: 'dave',
      channel: 'api',
    });
    expect((await fetch(`${url}/v1/incidents/incident-nope-x`, read)).status).toBe(404);
  });
});

describe('listing, health and metrics', () => {
  it('lists incidents with their summary fields', async () => {
    const id = firstId(await post('/v1/alerts/alertmanager', alertmanagerPayload('listed')));
    await until(id, (s) => s.status === 'awaiting_approval', 'awaiting approval');
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !row; i++) {
      const res = await fetch(`${url}/v1/incidents?status=open`, {
        headers: { authorization: 'Bearer tok-carol' },
      });
      const body = (await res.json()) as {
        incidents: Record<string, unknown>[];
      };
      // A row is served stale (from visibility) while its state is fetched behind the answer.
      row = body.incidents.find((x) => x.id === id && x.stale !== true);
      if (!row) await new Promise((r) => setTimeout(r, 200));
    }
    expect(row).toMatchObject({
      id,
      runbook: 'pg-connections',
      severity: 'P1',
      status: 'awaiting_approval',
      fingerprint: 'listed',
    });
    expect(row?.pendingApprovals).toEqual([
      expect.objectContaining({ stepId: 'terminate', approvers: expect.arrayContaining(['dave']) }),
    ]);
  });

  it('reports health from the worker pollers and exposes Prometheus metrics', async () => {
    const h = await fetch(`${url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ ok: true, workflowPollers: expect.any(Number) });
    const m = await (await fetch(`${url}/metrics`)).text();
    expect(m).toMatch(/firebreak_alerts_received_total\{source="alertmanager",status="firing"\} \d+/);
    expect(m).toMatch(/firebreak_alerts_deduplicated_total \d+/);
    expect(m).toMatch(/firebreak_incidents_started_total\{runbook="pg-connections"\} \d+/);
    expect(m).toContain('firebreak_approvals_total{decision="approve",channel="email",outcome="accepted"} 1');
    expect(m).toContain('firebreak_http_request_duration_seconds_bucket');
  });
});

async function waitForMail(pred: (m: (typeof smtp.messages)[number]) => boolean, from = 0) {
  for (let i = 0; i < 150; i++) {
    const m = smtp.messages.slice(from).find(pred);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('expected mail did not arrive');
}

describe('the CLI', () => {
  /** The CLI's IO with the output kept (`out`/`err` name what it printed). */
  function captureIO(env: NodeJS.ProcessEnv = {}) {
    const io = capture(process.cwd(), env);
    return { io, out: io.stdout, err: io.stderr };
  }

  it('fires an example alert at the intake and drives the incident through list, show, ack, note, approve and report', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fb-cli-'));
    try {
      const file = path.join(dir, 'pg.json');
      writeFileSync(file, JSON.stringify(alertmanagerPayload('cli-flow')));
      const fire = captureIO({ FIREBREAK_HOME: dir, FIREBREAK_APPROVAL_KEY: 'x'.repeat(32) });
      expect(await runAlert(['fire', file, '--url', `${url}/v1/alerts/alertmanager`], fire.io)).toBe(0);
      expect(fire.out).toEqual([expect.stringMatching(/^started: /)]);
      const id = fire.out[0]!.slice('started: '.length);
      expect(id).toEqual(incidentOf('cli-flow'));
      await until(id, (s) => s.status === 'awaiting_approval', 'awaiting approval');

      const deps = { client: native, people: ['alice', 'bob', 'carol', 'dave', 'erin'] };
      const list = captureIO();
      expect(await runIncident(['list'], list.io, deps)).toBe(0);
      expect(list.out.join('\n')).toMatch(
        new RegExp(`${id}\\s+P1\\s+awaiting_approval\\s+pg-connections\\s+1\\s+terminate`),
      );

      const show = captureIO();
      expect(await runIncident(['show', id], show.io, deps)).toBe(0);
      expect(show.out[0]).toContain('pending approvals:\n  terminate  by ');

      const ack = captureIO();
      expect(await runIncidentSafely(['ack', id, '--as', 'alice'], ack.io, async () => deps)).toBe(0);
      expect(ack.out).toEqual([`acknowledged: ${id} is now awaiting_approval`]);

      const refused = captureIO();
      expect(
        await runIncidentSafely(['approve', id, 'terminate', '--as', 'carol'], refused.io, async () => deps),
      ).toBe(1);
      expect(refused.err[0]).toContain('refused: carol is not an approver');

      const typo = captureIO();
      expect(
        await runIncidentSafely(['approve', id, 'terminate', '--as', 'dvae'], typo.io, async () => deps),
      ).toBe(2);
      expect(typo.err[0]).toContain('unknown person "dvae"');

      expect(
        await runIncidentSafely(
          ['note', id, '--as', 'dave', 'checked', 'pg_stat_activity'],
          captureIO().io,
          async () => deps,
        ),
      ).toBe(0);
      const approve = captureIO();
      expect(
        await runIncidentSafely(
          ['approve', id, 'terminate', '--as', 'dave', '--json'],
          approve.io,
          async () => deps,
        ),
      ).toBe(0);
      const s = JSON.parse(approve.out[0] ?? '{}') as IncidentState;
      expect(s.steps.find((x) => x.id === 'terminate')?.decidedBy).toMatchObject({
        person: 'dave',
        channel: 'cli',
      });
      expect(s.timeline.find((t) => t.kind === 'note')?.message).toBe('checked pg_stat_activity');

      const report = captureIO();
      expect(await runIncidentSafely(['report', id], report.io, async () => deps)).toBe(0);
      expect(report.out[0]).toContain(id);

      const examples = captureIO();
      expect(await runAlert(['list'], examples.io)).toBe(0);
      expect(examples.out[0]).toContain('db-pool-exhausted');
      const byName = captureIO({ FIREBREAK_HOME: dir, FIREBREAK_APPROVAL_KEY: 'x'.repeat(32) });
      expect(
        await runAlert(['fire', 'db-pool-exhausted', '--url', `${url}/v1/alerts/alertmanager`], byName.io),
      ).toBe(0);
      expect(byName.out).toEqual(['unmatched: PostgresqlTooManyConnections — no runbook triggers on it']);
      const down = captureIO({ FIREBREAK_HOME: dir, FIREBREAK_APPROVAL_KEY: 'x'.repeat(32) });
      expect(
        await runAlert(['fire', 'demo', '--url', 'http://127.0.0.1:9/v1/alerts/alertmanager'], down.io),
      ).toBe(1);
      expect(down.err[0]).toContain('cannot reach the intake');

      // The real entry point: config from the environment, its own native connection.
      const real = captureIO({
        FIREBREAK_HOME: dir,
        FIREBREAK_APPROVAL_KEY: 'x'.repeat(32),
        TEMPORAL_ADDRESS: env.address,
      });
      expect(await runIncidentCommand(['show', id, '--json'], real.io)).toBe(0);
      expect((JSON.parse(real.out[0] ?? '{}') as IncidentState).id).toBe(id);

      const missing = captureIO();
      expect(await runIncidentSafely(['show', 'incident-nope-x'], missing.io, async () => deps)).toBe(1);
      expect(missing.err[0]).toContain('no such incident');
      expect(await runIncidentSafely(['frobnicate'], captureIO().io, async () => deps)).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
