/**
 * `firebreak demo` (`npm run demo`): the whole loop against a running engine in about a minute —
 * seed a scratch log directory with stale files, fire the demo alert, watch diagnostics, approve
 * the cleanup as the on-call engineer, then show the verify, the report and the mail.
 *
 * Approval goes through the intake API when `--token` (or FIREBREAK_DEMO_TOKEN) gives an API
 * token, else through Temporal as `firebreak incident approve` does (channel `cli`).
 */
import { readdirSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../services/config';
import type { IncidentState } from '../../contracts/incident';
import { TERMINAL_STATUSES } from '../../contracts/incident';
import { incidentWorkflowId } from '../../language/plan/context';
import { approveUpdate, stateQuery } from '../../workflows/definitions';
import { UsageError, parseArgs } from './args';
import type { CliIO } from './io';
import { EXIT } from './io';
import { connectCli } from './temporal';
import { demoLogDir, seedDemoLogs } from './demo-logs';
import { run as fireAlert } from './alert';

const DEMO_STEP = 'cleanup-logs';
const DEMO_APPROVER = 'alice';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(
  client: Client,
  id: string,
  until: (s: IncidentState) => boolean,
  io: CliIO,
  timeoutMs: number,
): Promise<IncidentState> {
  const handle = client.workflow.getHandle(id);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    let state: IncidentState | undefined;
    try {
      state = await handle.query(stateQuery);
    } catch {
      state = undefined; // not started yet, or the worker is still picking it up
    }
    if (state) {
      if (state.status !== last) io.out(`  status: ${state.status}`);
      last = state.status;
      if (until(state)) return state;
    }
    if (Date.now() > deadline)
      throw new Error(
        `incident ${id} did not get there within ${timeoutMs / 1000}s (last status: ${last || 'unknown'})`,
      );
    await sleep(500);
  }
}

/** Approves the demo's step through the intake API (with a token) or Temporal; false when refused. */
async function approve(
  client: Client,
  base: string,
  id: string,
  token: string | undefined,
  io: CliIO,
): Promise<boolean> {
  if (!token) {
    await client.workflow.getHandle(id).executeUpdate(approveUpdate, {
      args: [
        { stepId: DEMO_STEP, actor: { person: DEMO_APPROVER, channel: 'cli' }, comment: 'demo approval' },
      ],
    });
    return true;
  }
  const res = await fetch(`${base}/v1/incidents/${encodeURIComponent(id)}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ stepId: DEMO_STEP, comment: 'demo approval' }),
    signal: AbortSignal.timeout(15_000),
  });
  if (res.ok) return true;
  io.err(`firebreak demo: approval refused (${res.status}): ${await res.text()}`);
  return false;
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['token', 'url'], []);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`firebreak demo: ${err.message}\nusage: firebreak demo [--url INTAKE_URL] [--token API_TOKEN]`);
      return EXIT.usage;
    }
    throw err;
  }
  const config = loadConfig(io.env);
  const base = (typeof args.flags.url === 'string' ? args.flags.url : config.intake.publicUrl).replace(
    /\/+$/,
    '',
  );
  const token = typeof args.flags.token === 'string' ? args.flags.token : io.env.FIREBREAK_DEMO_TOKEN;
  const fingerprint = `demo${Date.now().toString(16)}`;
  const workflowId = incidentWorkflowId('demo-local-logs', fingerprint);

  const logDir = demoLogDir(config);
  io.out(`1. seeding ${logDir} with three stale logs and one fresh one`);
  seedDemoLogs(logDir);
  io.out('2. firing the demo alert (examples/alerts/demo.json) at the intake');
  const fired = await fireAlert(
    ['fire', 'demo', '--no-seed', '--fingerprint', fingerprint, '--url', `${base}/v1/alerts/alertmanager`],
    io,
  );
  if (fired !== EXIT.ok) return fired;

  const { client, close } = await connectCli(config, io.env);
  try {
    io.out('3. diagnostics run on the local target; the cleanup waits for approval');
    const waiting = await waitFor(
      client,
      workflowId,
      (s) => s.pendingApprovals.some((p) => p.stepId === DEMO_STEP) || TERMINAL_STATUSES.includes(s.status),
      io,
      90_000,
    );
    if (TERMINAL_STATUSES.includes(waiting.status)) {
      io.err(`firebreak demo: the incident ended (${waiting.status}) before asking for approval`);
      return EXIT.failed;
    }
    const found = waiting.steps.find((s) => s.id === 'old-logs')?.hosts[0]?.values.count;
    io.out(`   found ${String(found)} stale log file(s)`);

    io.out(
      `4. approving "${DEMO_STEP}" as ${DEMO_APPROVER} ${token ? 'through the intake API' : 'through Temporal (channel cli)'}`,
    );
    // The bare workflow id names the incident open for the demo alert (API and Temporal alike).
    if (!(await approve(client, base, workflowId, token, io))) return EXIT.failed;

    io.out('5. remediation and verify');
    const final = await waitFor(
      client,
      workflowId,
      (s) => TERMINAL_STATUSES.includes(s.status) && s.report !== undefined,
      io,
      120_000,
    );
    const left = readdirSync(logDir).sort();
    io.out(`   files left in ${logDir}: ${left.join(', ') || '(none)'}`);
    io.out(`6. incident ${final.status}; report: ${final.report?.markdownPath ?? '(none)'}`);
    io.out(`   also: npx firebreak incident report ${final.id}`);
    io.out(`   mail: ${config.mail.smtpUrl ? 'sent over SMTP' : `see ${config.mail.outboxDir}`}`);
    return final.status === 'resolved' ? EXIT.ok : EXIT.failed;
  } finally {
    await close();
  }
}
