/**
 * The CLI's words for a newcomer's first hour (issue #18), without any server: refusals that name
 * the real reason, the state an action led to, where Temporal was tried when it is down, the
 * library FIREBREAK_RUNBOOKS names, the catch-all route in `plan` and `validate`, and the demo's
 * log directory under FIREBREAK_HOME.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncidentState, StepRecord } from '../../contracts/incident';
import { REFUSAL_TYPES, refusal } from '../../contracts/refusals';
import { run as runAlert } from '../../apps/cli/alert';
import { STALE_DEMO_LOGS, demoLogDir } from '../../apps/cli/demo-logs';
import { run as runIncident, runIncidentSafely } from '../../apps/cli/incident';
import { actedOn, outcomeLine } from '../../apps/cli/outcome';
import { run as runPlan } from '../../apps/cli/plan';
import { whyNotAwaiting } from '../../apps/cli/refusal';
import { connectionFailure, unreachableMessage } from '../../apps/cli/temporal';
import { unmatchedTable } from '../../apps/cli/unmatched';
import { run as runValidate } from '../../apps/cli/validate';
import { freePort } from '../support/net';
import { captureIO } from '../support/cli';
import { expectGolden } from './golden';
import { state } from '../intake/support/fixtures';
import { asClientSees, refusingClient } from '../intake/support/refusing-client';

const ROOT = join(__dirname, '..', '..');
const CATCH_ALL = join(ROOT, 'examples', 'runbooks', 'catch-all.yaml');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fb-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The demo's cleanup step as the workflow records it, skipped because no stale log was found. */
function skippedCleanup(): StepRecord {
  return {
    id: 'cleanup-logs',
    phase: 'remediation',
    title: 'Delete logs older than 7 days',
    status: 'skipped',
    automated: false,
    hosts: [],
    condition: { expr: "steps['old-logs'].values.count > 0", result: false },
  };
}

function withCleanup(rec: Partial<StepRecord>, over: Partial<IncidentState> = {}): IncidentState {
  return state({
    status: 'escalated',
    pendingApprovals: [],
    steps: [{ ...skippedCleanup(), ...rec }],
    ...over,
  });
}

describe('a refused decision names the real reason', () => {
  it('explains every way a step can be not awaiting a decision, and never blames a permission', () => {
    const decided = { person: 'bob', channel: 'cli' as const, at: '2026-11-21T10:03:00Z' };
    const text = [
      whyNotAwaiting(withCleanup({}), 'cleanup-logs'),
      whyNotAwaiting(
        withCleanup({ condition: { expr: 'steps.x.ok', result: false, error: 'no such key: x' } }),
        'cleanup-logs',
      ),
      whyNotAwaiting(
        withCleanup({ status: 'succeeded', decidedBy: { ...decided, decision: 'approved' } }),
        'cleanup-logs',
      ),
      whyNotAwaiting(withCleanup({ status: 'expired' }), 'cleanup-logs'),
      whyNotAwaiting(withCleanup({ status: 'cancelled' }, { status: 'cancelled' }), 'cleanup-logs'),
      whyNotAwaiting(withCleanup({ status: 'succeeded', automated: true }), 'cleanup-logs'),
      whyNotAwaiting(withCleanup({ status: 'pending' }, { status: 'diagnosing' }), 'cleanup-logs'),
      whyNotAwaiting(state(), 'nope'),
      whyNotAwaiting(withCleanup({}), 'nope'),
    ].join('\n');
    expectGolden('refusal-reasons.txt', `${text}\n`);
    expect(text).not.toMatch(/cannot approve|may not|not an approver/);
  });

  it('prints the skipped step and its condition when `incident approve` is refused for it, and records that reason', async () => {
    const refused = asClientSees(
      refusal(REFUSAL_TYPES.stepNotAwaitingApproval, 'step cleanup-logs is not awaiting approval'),
    );
    const scripted = refusingClient(refused, withCleanup({}));
    const io = captureIO();
    const code = await runIncidentSafely(
      ['approve', 'incident-demo-local-logs-x', 'cleanup-logs', '--as', 'alice'],
      io,
      async () => ({ client: scripted.client, people: ['alice'] }),
    );
    expect(code).toBe(1);
    const reason =
      "step cleanup-logs was skipped: its condition `steps['old-logs'].values.count > 0` was false, so there is nothing to approve";
    expect(io.stderr).toEqual([`firebreak incident: refused: ${reason}`]);
    expect(scripted.signals).toEqual([
      expect.objectContaining({
        name: 'refusal',
        arg: {
          actor: { person: 'alice', channel: 'cli' },
          action: 'approve',
          stepId: 'cleanup-logs',
          reason,
        },
      }),
    ]);
  });

  it('keeps the validator’s own words for refusals that are about the person', async () => {
    const refused = asClientSees(
      refusal(REFUSAL_TYPES.notApprover, 'carol is not an approver for step terminate of incident x'),
    );
    const io = captureIO();
    const code = await runIncidentSafely(['approve', 'x', 'terminate', '--as', 'carol'], io, async () => ({
      client: refusingClient(refused, state()).client,
    }));
    expect(code).toBe(1);
    expect(io.stderr).toEqual([
      'firebreak incident: refused: carol is not an approver for step terminate of incident x',
    ]);
  });
});

describe('an action prints the state it led to', () => {
  const approved = withCleanup({ status: 'awaiting_approval' }, { status: 'awaiting_approval' });

  it('waits for an approved step to leave awaiting_approval, and a close for a final status', () => {
    expect(actedOn('approve', approved, 'cleanup-logs')).toBe(false);
    expect(
      actedOn('approve', withCleanup({ status: 'running' }, { status: 'remediating' }), 'cleanup-logs'),
    ).toBe(true);
    expect(actedOn('reject', withCleanup({ status: 'rejected' }), 'cleanup-logs')).toBe(true);
    expect(actedOn('close', state({ status: 'escalated' }))).toBe(false);
    expect(actedOn('close', state({ status: 'resolved' }))).toBe(true);
    expect(actedOn('ack', state({ status: 'escalated' }))).toBe(true);
  });

  it('says the decision is recorded but not yet acted on when the workflow does not move in time', () => {
    const id = approved.id;
    expect(
      outcomeLine(
        'approve',
        { state: { ...approved, status: 'remediating' }, settled: true },
        'cleanup-logs',
      ),
    ).toBe(`approved cleanup-logs: ${id} is now remediating`);
    expect(outcomeLine('approve', { state: approved, settled: false }, 'cleanup-logs', 10_000)).toBe(
      `approved cleanup-logs: ${id} is still awaiting_approval (the decision is recorded; the workflow has not acted on it within 10s — is a worker running?)`,
    );
  });
});

describe('Temporal down', () => {
  it('names the address tried and what to do, never the transport error', async () => {
    const port = await freePort();
    const io = captureIO(ROOT, { TEMPORAL_PORT: String(port), FIREBREAK_HOME: dir });
    expect(await runIncident(['list'], io)).toBe(1);
    expect(io.stderr).toEqual([
      `firebreak incident: ${unreachableMessage(`127.0.0.1:${port}`, 'connection refused', false)}`,
    ]);
    expect(io.stderr[0]).not.toContain('tonic');

    const configured = captureIO(ROOT, { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, FIREBREAK_HOME: dir });
    expect(await runIncident(['show', 'incident-x'], configured)).toBe(1);
    expect(configured.stderr[0]).toContain(
      `cannot reach Temporal at 127.0.0.1:${port} (TEMPORAL_ADDRESS): connection refused.`,
    );
  });

  it('reads the reason out of the native client’s transport errors', () => {
    const refusedErr = Object.assign(
      new Error(
        'tonic::transport::Error(Transport, ConnectError(ConnectError("tcp connect error", 127.0.0.1:9, Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })))',
      ),
      { name: 'TransportError' },
    );
    const dns = Object.assign(
      new Error(
        'tonic::transport::Error(Transport, ConnectError(ConnectError("dns error", Custom { kind: Uncategorized, error: "failed to lookup address information: Name or service not known" })))',
      ),
      { name: 'TransportError' },
    );
    expect(connectionFailure(refusedErr)).toBe('connection refused');
    expect(connectionFailure(dns)).toBe('failed to lookup address information: Name or service not known');
    expect(connectionFailure(new Error('step terminate is busy'))).toBeUndefined();
    expectGolden(
      'temporal-unreachable.txt',
      `${unreachableMessage('127.0.0.1:7233', 'connection refused', false)}\n${unreachableMessage('temporal.internal:7233', 'connection refused', true)}\n`,
    );
  });
});

/** A library with one runbook that only it has (so using it proves the right library was read). */
function library(): string {
  const lib = join(dir, 'library');
  cpSync(join(ROOT, 'runbooks', 'demo-local-logs.yaml'), join(lib, 'demo.yaml'));
  cpSync(CATCH_ALL, join(lib, 'catch-all.yaml'));
  return lib;
}

describe('plan and validate read the library FIREBREAK_RUNBOOKS names, as start does', () => {
  it('validates FIREBREAK_RUNBOOKS when no path is given', async () => {
    const io = captureIO(ROOT, { FIREBREAK_RUNBOOKS: library() });
    expect(await runValidate([], io)).toBe(0);
    expect(io.stdout).toEqual(['2 runbook(s) valid in 2 file(s)']);
  });

  it('plans against FIREBREAK_RUNBOOKS, and --runbooks still wins', async () => {
    // Not named by FIREBREAK_CATCH_ALL, the catch-all example is a runbook like any other.
    const io = captureIO(ROOT, { FIREBREAK_RUNBOOKS: library() });
    expect(await runPlan(['--alert', 'examples/alerts/service-down.json', '--json'], io)).toBe(0);
    const matched = (JSON.parse(io.stdout.join('')) as { alerts: { matches: { runbook: string }[] }[] })
      .alerts;
    expect(matched.flatMap((a) => a.matches.map((m) => m.runbook))).toEqual(['catch-all']);
    const explicit = captureIO(ROOT, { FIREBREAK_RUNBOOKS: library() });
    expect(
      await runPlan(
        ['--alert', 'examples/alerts/service-down.json', '--runbooks', 'runbooks', '--json'],
        explicit,
      ),
    ).toBe(0);
    expect(explicit.stdout.join('')).toContain('"runbook": "service-down"');
  });
});

describe('the catch-all route in plan and validate', () => {
  it('shows the catch-all taking an alert no runbook matches, and only then', async () => {
    const io = captureIO(ROOT, { FIREBREAK_RUNBOOKS: library(), FIREBREAK_CATCH_ALL: 'catch-all' });
    expect(await runPlan(['--alert', 'examples/alerts/service-down.json'], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toContain('no runbook matches this alert; the catch-all runbook catch-all takes it:');
    expect(text).toContain('escalation: chain default');

    const demo = captureIO(ROOT, { FIREBREAK_RUNBOOKS: library(), FIREBREAK_CATCH_ALL: 'catch-all' });
    expect(await runPlan(['--alert', 'examples/alerts/demo.json', '--json'], demo)).toBe(0);
    const plans = JSON.parse(demo.stdout.join('')) as {
      alerts: { matches: { runbook: string }[]; catchAll?: string }[];
    };
    expect(plans.alerts[0]?.matches.map((m) => m.runbook)).toEqual(['demo-local-logs']);
    expect(plans.alerts[0]?.catchAll).toBeUndefined();
  });

  it('refuses a catch-all that would run commands, naming the file and the setting', async () => {
    const io = captureIO(ROOT, { FIREBREAK_RUNBOOKS: library(), FIREBREAK_CATCH_ALL: 'demo-local-logs' });
    expect(await runValidate([], io)).toBe(1);
    const out = io.stdout.join('\n');
    expect(out).toContain(
      'demo.yaml: the catch-all runbook demo-local-logs (FIREBREAK_CATCH_ALL) has 2 diagnostic step(s); a catch-all only notifies — remove them',
    );
    expect(out).toContain('has 1 remediation(s)');
    expect(out).toContain('resolves by verify, which needs a remediation');
    expect(io.stderr).toEqual(['3 catch-all problem(s)']);

    const missing = captureIO(ROOT, { FIREBREAK_RUNBOOKS: library(), FIREBREAK_CATCH_ALL: 'nope' });
    expect(await runPlan(['--alert', 'examples/alerts/demo.json'], missing)).toBe(1);
    expect(missing.stderr).toEqual([
      'firebreak plan: FIREBREAK_CATCH_ALL: no runbook with id "nope" in the library',
    ]);
  });
});

describe('the demo log directory', () => {
  it('lives under FIREBREAK_HOME, and `alert fire demo` re-seeds it before firing', async () => {
    const io = captureIO(ROOT, { FIREBREAK_HOME: dir, FIREBREAK_APPROVAL_KEY: 'k'.repeat(32) });
    const port = await freePort();
    expect(
      await runAlert(['fire', 'demo', '--url', `http://127.0.0.1:${port}/v1/alerts/alertmanager`], io),
    ).toBe(1);
    const logs = demoLogDir({ home: dir });
    expect(logs).toBe(join(dir, 'demo', 'logs'));
    expect(io.stdout).toEqual([`seeded ${logs} with three stale logs (the demo runbook's cleanup target)`]);
    expect(readdirSync(logs).sort()).toEqual([...STALE_DEMO_LOGS, 'gateway.log'].sort());
    const weekAgo = Date.now() - 7 * 86_400_000;
    for (const f of STALE_DEMO_LOGS) expect(statSync(join(logs, f)).mtimeMs).toBeLessThan(weekAgo);
    expect(io.stderr[0]).toContain('cannot reach the intake');
  });

  it('is not touched by --no-seed, a resolved delivery or another alert', async () => {
    const env = { FIREBREAK_HOME: dir, FIREBREAK_APPROVAL_KEY: 'k'.repeat(32) };
    const url = `http://127.0.0.1:${await freePort()}/v1/alerts/alertmanager`;
    await runAlert(['fire', 'demo', '--no-seed', '--url', url], captureIO(ROOT, env));
    await runAlert(['fire', 'demo', '--resolved', '--url', url], captureIO(ROOT, env));
    await runAlert(['fire', 'service-down', '--url', url], captureIO(ROOT, env));
    expect(existsSync(demoLogDir({ home: dir }))).toBe(false);
  });
});

describe('alert unmatched', () => {
  it('lays the intake’s list out as a table', () => {
    const now = Date.parse('2026-11-21T10:05:00Z');
    const text = unmatchedTable(
      [
        {
          fingerprint: 'aa11',
          alertname: 'NobodyWroteARunbook',
          source: 'alertmanager',
          status: 'firing',
          labels: { alertname: 'NobodyWroteARunbook', env: 'prod' },
          firstSeen: '2026-11-21T10:00:00Z',
          lastSeen: '2026-11-21T10:04:30Z',
          deliveries: 3,
          caughtBy: 'catch-all',
        },
        {
          fingerprint: 'bb22',
          source: 'generic',
          status: 'resolved',
          labels: { job: 'x' },
          firstSeen: '2026-11-21T08:00:00Z',
          lastSeen: '2026-11-21T09:00:00Z',
          deliveries: 1,
        },
      ],
      now,
    );
    expectGolden('unmatched-table.txt', `${text}\n`);
    expect(unmatchedTable([])).toBe('no unmatched alerts since the intake started');
  });

  it('says which intake it could not reach', async () => {
    const io = captureIO(ROOT, {});
    const port = await freePort();
    expect(await runAlert(['unmatched', '--url', `http://127.0.0.1:${port}`], io)).toBe(1);
    expect(io.stderr[0]).toContain(
      `cannot reach the intake at http://127.0.0.1:${port}/v1/alerts/unmatched?limit=50`,
    );
  });
});
