/**
 * The report of an incident run by the real incident workflow on the time-skipping test server:
 * diagnostics, one escalation while an approval waits, an approval by a named person, one
 * remediation with verify. Commands and on-call are faked; the report activity is the real one.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ReportMailMessage } from '../../activities/report';
import { createReportActivities } from '../../activities/report';
import type { IncidentActivities, WriteReportInput } from '../../activities/types';
import { recipientsOf } from '../workflow/support/fakes';
import type { IncidentState, OnCallSnapshot } from '../../contracts/incident';
import { approveUpdate, stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { createTimeSkippingEnv, quietRuntime, workflowBundle } from '../support/temporal';
import { commandStep, makeAlert, makeInput, makePlan, remediation } from '../workflow/support/plans';

const SECRET = 'wf-Secret-Value-42!';
const SECRET_ENV = 'FIREBREAK_TEST_REPORT_WF_SECRET';
const ONCALL: OnCallSnapshot = {
  people: {
    alice: { id: 'alice', name: 'Alice Chen', email: 'alice@example.test' },
    bob: { id: 'bob', name: 'Bob Liu', email: 'bob@example.test' },
  },
  levels: [
    { name: 'primary', people: ['alice'] },
    { name: 'dba', people: ['bob'] },
  ],
  approvers: ['alice', 'bob'],
  responders: ['alice', 'bob'],
  notify: { report: ['alice', 'bob'] },
};

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let dir: string;
const reports: WriteReportInput[] = [];
const statesRead: IncidentState[] = [];
const mails: ReportMailMessage[] = [];
let final: IncidentState;
let written: { state: IncidentState };
let markdown: string;
let html: string;

beforeAll(async () => {
  quietRuntime();
  process.env[SECRET_ENV] = SECRET;
  dir = mkdtempSync(join(tmpdir(), 'firebreak-report-wf-'));
  env = await createTimeSkippingEnv();
  const report = createReportActivities({
    config: {
      reportsDir: join(dir, 'reports'),
      mail: { from: 'firebreak@example.test', outboxDir: join(dir, 'outbox') },
      intake: {
        host: '127.0.0.1',
        port: 8680,
        publicUrl: 'http://127.0.0.1:8680',
        bodyLimitBytes: 1 << 20,
        tokens: {},
      },
      temporal: { namespace: 'default', taskQueue: 'report-wf', uiBaseUrl: 'http://127.0.0.1:8233' },
      secrets: { DB_PASSWORD: { env: SECRET_ENV } },
    },
    mailer: { send: async (m) => (mails.push(m), { messageId: `<${mails.length}@test>` }) },
    // As the worker does: the report reads the final state from the incident itself.
    stateOf: async (id) => {
      const s = await env.client.workflow.getHandle(id).query(stateQuery);
      statesRead.push(s);
      return s;
    },
  });
  const activities: IncidentActivities = {
    pinLocalHost: async () => ({ hostId: 'test-host' }),
    resolveOnCall: async () => ONCALL,
    runCommand: async (input) => ({
      hosts: [
        {
          host: '127.0.0.1',
          ok: true,
          exitCode: 0,
          // A command that echoes its environment: the secret reaches the output, as it does in life.
          stdout:
            input.stepId === 'connections'
              ? `active=97\nDSN=postgres://app:${SECRET}@db/app\n`
              : `done ${input.stepId}\n`,
          stderr: '',
          truncated: false,
          durationMs: 420,
          values: {},
        },
      ],
    }),
    sendNotification: async (input) => ({
      deliveries: recipientsOf(input).map((to) => ({
        to,
        email: `${to}@example.test`,
        ok: true,
        messageId: `<n@test>`,
      })),
    }),
    writeReport: async (input) => {
      reports.push(input);
      return report.writeReport(input);
    },
  };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'report-wf',
    workflowBundle: await workflowBundle(),
    activities,
  });
  running = worker.run();

  const plan = makePlan(
    {
      runbook: {
        id: 'pg-connections',
        title: 'PostgreSQL connections exhausted',
        service: 'qcat',
        severity: 'P1',
        owners: ['alice', 'bob'],
        file: 'qcat/pg-connections.yaml',
      },
      diagnostics: [
        {
          parallel: false,
          steps: [{ step: commandStep('connections', 'psql -Atc "select count(*)"'), onFailure: 'continue' }],
        },
      ],
      remediations: [
        remediation('terminate', 'psql -Atc "select pg_terminate_backend(pid) ..."', {
          approval: 'required',
          approvalTimeoutMs: 60 * 60_000,
          verify: {
            steps: [commandStep('terminate.verify', 'psql -Atc "select 1"')],
            attempts: 1,
            intervalMs: 1000,
          },
        }),
      ],
      escalation: {
        levels: [['alice'], ['bob']],
        intervalMs: { P0: 300_000, P1: 900_000, P2: 3_600_000, P3: 14_400_000 },
        repeatLast: false,
      },
      notify: [{ on: ['report'], to: ['alice', 'bob'] }],
      resolution: { mode: 'verify', timeoutMs: 30 * 60_000 },
    },
    'P1',
  );
  const input = makeInput(plan, makeAlert({ labels: { alertname: 'PgConnections', pod: '<b>x</b>' } }));
  const handle = await env.client.workflow.start(incidentWorkflow, {
    args: [input],
    taskQueue: 'report-wf',
    workflowId: input.incidentId,
  });
  for (let i = 0; i < 100; i++) {
    const s = await handle.query(stateQuery);
    if (s.status === 'awaiting_approval') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Past the P1 interval (15 min) with nobody acknowledging: level 2 gets paged.
  await env.sleep('16m');
  await handle.executeUpdate(approveUpdate, {
    args: [
      { stepId: 'terminate', actor: { person: 'bob', channel: 'email' }, comment: 'kill the batch job' },
    ],
  });
  final = await handle.result();
  const w = reports[0];
  if (!w) throw new Error('writeReport was not called');
  written = { state: w.state ?? statesRead[0]! };
  markdown = readFileSync(join(dir, 'reports', `${final.id}.md`), 'utf8');
  html = readFileSync(join(dir, 'reports', `${final.id}.html`), 'utf8');
  // Kept for a human to look at; test-artifacts/ is git-ignored.
  const artifacts = resolve(__dirname, '../../test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, 'workflow-report.md'), markdown);
  writeFileSync(join(artifacts, 'workflow-report.html'), html);
}, 240_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  delete process.env[SECRET_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function timelineRows(md: string): string[][] {
  const section = md.slice(md.indexOf('\n## Timeline\n'), md.indexOf('\n## Steps\n'));
  return section
    .split('\n')
    .filter((l) => /^\| \d+ \|/u.test(l))
    .map((l) =>
      l
        .split(/(?<!\\)\|/u)
        .map((c) => c.trim())
        .slice(1, -1),
    );
}

describe('report of a real workflow run', () => {
  it('is written once, for the final state, and recorded on the timeline', () => {
    expect(reports).toHaveLength(1);
    expect(final.status).toBe('resolved');
    expect(written.state.status).toBe('resolved');
    expect(final.report?.markdownPath).toBe(join(dir, 'reports', `${final.id}.md`));
    expect(final.timeline.at(-1)?.kind).toBe('report_written');
  });

  it('lists every timeline entry of the state it was given, in order, with exact timestamps', () => {
    const rows = timelineRows(markdown);
    expect(rows).toHaveLength(written.state.timeline.length);
    expect(rows.map((r) => r[1])).toEqual(written.state.timeline.map((e) => e.at));
  });

  it('shows the escalation, the approval by name and the MTTA it implies', () => {
    const rows = timelineRows(markdown);
    const escalated = rows.find((r) => r[3] === 'Escalated');
    expect(escalated?.[6]).toContain('paged level 2 (dba)');
    const approved = rows.find((r) => r[3] === 'Approved');
    expect(approved?.[4]).toBe('Bob Liu (bob) via email');
    expect(approved?.[6]).toContain('comment: kill the batch job');
    // Approved ~16 minutes after the start (time skipped), MTTR a little later.
    expect(markdown).toMatch(/\| MTTA \| 16m 0\ds \(approved terminate by Bob Liu \(bob\) via email at /u);
    expect(markdown).toMatch(/\| MTTR \| 16m 0\ds \|/u);
    expect(markdown).toContain('| 2 | dba | Bob Liu (bob) |');
  });

  it('masks the secret that leaked into command output, in files and mail', () => {
    expect(markdown).not.toContain(SECRET);
    expect(html).not.toContain(SECRET);
    expect(markdown).toContain('DSN=postgres://app:***@db/app');
    expect(mails).toHaveLength(1);
    expect(JSON.stringify(mails[0])).not.toContain(SECRET);
    expect(mails[0]?.to).toBe('alice@example.test, bob@example.test');
  });
});
