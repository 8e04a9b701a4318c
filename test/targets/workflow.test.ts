/**
 * Real runs (issue #12): a real Temporal dev server, the real worker and activity composition,
 * real sshd on loopback. The exporter fixture set (examples/alerts/exporters/) reaches the
 * alerting host — an inventory alias of the loopback sshd — as each runbook's user on its port;
 * and the language defects are fixed where they showed: a failing `when:`, a step that could not
 * connect, and per-host results of a multi-host step.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { AlertInstance } from '../../contracts/alert';
import type { IncidentState } from '../../contracts/incident';
import type { Plan } from '../../contracts/plan';
import { parseAlertmanagerWebhook } from '../../frontend/alerts/alertmanager';
import { loadLibrary, matchAlert } from '../../frontend/library';
import { hostOf } from '../../language/expressions';
import { validateRunbook } from '../../frontend/validator';
import { loadConfig, loadTargetSettings } from '../../services/config';
import type { FirebreakConfig } from '../../services/config/types';
import { startWorker, type RunningWorker } from '../../worker';
import { closeUpdate, stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { freePort } from '../support/net';
import { startSshd, TEST_USER, type SshdFleet } from '../support/services';
import { createDevServerEnv, workflowBundle } from '../support/temporal';
import { ONCALL } from '../workflow/support/fakes';
import { makeAlert, makeInput } from '../workflow/support/plans';

const ROOT = join(__dirname, '..', '..');
const ALERTS = join(ROOT, 'examples', 'alerts', 'exporters');
const taskQueue = 'targets-real';

let env: TestWorkflowEnvironment;
let fleet: SshdFleet;
let home: string;
let config: FirebreakConfig;
let running: RunningWorker;
let plans: Plan[];

beforeAll(async () => {
  [env, fleet] = await Promise.all([createDevServerEnv(), startSshd(2)]);
  home = mkdtempSync(join(tmpdir(), 'fb-targets-run-'));
  // The fixture runbooks name port 2222; here it is the loopback sshd's.
  const runbooks = join(home, 'runbooks');
  cpSync(join(__dirname, 'fixtures', 'runbooks'), runbooks, { recursive: true });
  for (const f of readdirSync(runbooks)) {
    const p = join(runbooks, f);
    writeFileSync(p, readFileSync(p, 'utf8').replace(/port: 2222\b/g, `port: ${fleet.instances[0]!.port}`));
  }
  const settings = loadTargetSettings({ FIREBREAK_CONFIG: join(__dirname, 'fixtures', 'firebreak.yaml') });
  config = loadConfig(
    { FIREBREAK_HOME: home, FIREBREAK_TASK_QUEUE: taskQueue, TEMPORAL_ADDRESS: env.address },
    {
      inventory: settings.inventory,
      ssh: {
        knownHostsFile: fleet.knownHostsFile,
        privateKeyFile: fleet.clientKeyFile,
        connectTimeoutMs: 5000,
      },
    },
  );
  const library = loadLibrary(runbooks, settings.severityFrom ? { severityFrom: settings.severityFrom } : {});
  expect(library.diagnostics).toEqual([]);
  plans = library.plans;
  const activities = createActivities({
    config,
    overrides: { resolveOnCall: async () => ONCALL },
    log: () => undefined,
  });
  running = await startWorker(config, {
    connection: env.nativeConnection,
    activities,
    workflowBundle: await workflowBundle(),
  });
}, 240_000);

afterAll(async () => {
  await running?.shutdown();
  await env?.teardown();
  await fleet?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function start(plan: Plan, alert: AlertInstance) {
  const input = makeInput(plan, alert);
  return env.client.workflow.start(incidentWorkflow, {
    args: [input],
    taskQueue,
    workflowId: input.incidentId,
  });
}

/** Polls the incident until `done` holds (real time: commands run on a real sshd). */
async function until(
  handle: Awaited<ReturnType<typeof start>>,
  done: (s: IncidentState) => boolean,
): Promise<IncidentState> {
  for (let i = 0; i < 600; i++) {
    const s = await handle.query(stateQuery);
    if (done(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `incident never reached the expected state: ${JSON.stringify((await handle.query(stateQuery)).status)}`,
  );
}

async function closeAsHuman(handle: Awaited<ReturnType<typeof start>>): Promise<IncidentState> {
  await handle.executeUpdate(closeUpdate, {
    args: [{ actor: { person: 'alice', channel: 'api' }, outcome: 'failed' }],
  });
  return handle.result();
}

const step = (s: IncidentState, id: string) => s.steps.find((x) => x.id === id);

describe('the exporter fixture set in real incidents', () => {
  const files = readdirSync(ALERTS).filter((f) => f.endsWith('.json'));

  it.each(files)("%s reaches the alerting host as the runbook's user on the runbook's port", async (f) => {
    const [alert] = parseAlertmanagerWebhook(JSON.parse(readFileSync(join(ALERTS, f), 'utf8')));
    const matched = matchAlert(plans, alert!);
    expect(matched).toHaveLength(1);
    const handle = await start(matched[0]!, alert!);
    const final = await handle.result();
    expect(final.status).toBe('resolved');
    const where = step(final, 'where');
    expect(where?.hosts.map((h) => h.stdout.trim())).toEqual([`${TEST_USER} ${fleet.instances[0]!.port}`]);
    expect(where?.hosts[0]?.host).toBe(alert!.labels.nodename ?? hostOf(alert!.labels.instance ?? ''));
    expect(step(final, 'report')?.status).toBe('succeeded');
  });
});

/** A runbook compiled by the real compiler, with `{{PORT0}}`/`{{PORT1}}` standing for the sshd ports. */
function compile(yaml: string): Plan {
  const source = yaml
    .replace(/PORT0/g, String(fleet.instances[0]!.port))
    .replace(/PORT1/g, String(fleet.instances[1]!.port))
    .replace(/CLOSED/g, '1');
  const r = validateRunbook(source, 'test.yaml');
  expect(r.diagnostics).toEqual([]);
  return r.plan!;
}

const HEADER = `apiVersion: firebreak/v1
kind: Runbook
metadata: { id: defects, title: Defects, service: s, severity: P3, owners: [sre] }
trigger: { match: { alertname: TestAlert } }
targets:
  box: { hosts: [127.0.0.1], user: ${TEST_USER}, port: PORT0 }
  both: { hosts: ['127.0.0.1:PORT0', '127.0.0.1:PORT1'], user: ${TEST_USER} }
  down: { hosts: [127.0.0.1], user: ${TEST_USER}, port: CLOSED }
escalation: { levels: [[sre]] }
`;

describe('a when: that fails to evaluate', () => {
  it('is recorded and skips a diagnostic whose on_failure is continue', async () => {
    const plan = compile(`${HEADER}diagnostics:
  - { id: count, target: box, run: echo 5, extract: { n: { regex: '(\\d+)', type: number } } }
  - { id: guarded, target: box, when: 'steps.count.values.missing > 3', run: echo never }
  - { id: after, target: box, run: echo after }
resolution: { mode: human }
`);
    const handle = await start(plan, makeAlert());
    const s = await until(handle, (x) => step(x, 'after')?.status === 'succeeded');
    expect(step(s, 'guarded')).toMatchObject({ status: 'skipped', condition: { result: false } });
    expect(step(s, 'guarded')?.condition?.error).toContain('no such key "missing"');
    await closeAsHuman(handle);
  });

  it('escalates when the diagnostic says on_failure: escalate, with the error on the step', async () => {
    const plan = compile(`${HEADER}diagnostics:
  - { id: count, target: box, run: echo 5, extract: { n: { regex: '(\\d+)', type: number } } }
  - { id: guarded, target: box, when: 'steps.count.values.missing > 3', run: echo never, on_failure: escalate }
  - { id: after, target: box, run: echo never-reached }
resolution: { mode: human }
`);
    const handle = await start(plan, makeAlert());
    const s = await until(handle, (x) => x.status === 'escalated');
    expect(step(s, 'guarded')).toMatchObject({ status: 'failed' });
    expect(step(s, 'guarded')?.error).toMatch(
      /^condition steps\.count\.values\.missing > 3 failed to evaluate: .*no such key "missing"/,
    );
    expect(step(s, 'after')).toBeUndefined();
    expect(
      s.timeline.some((t) => t.kind === 'step_finished' && t.message.startsWith('guarded failed: condition')),
    ).toBe(true);
    await closeAsHuman(handle);
  });

  it('aborts the incident when the remediation says on_failure: abort', async () => {
    const plan = compile(`${HEADER}remediations:
  - { id: fix, target: box, approval: auto, destructive: false, when: 'labels.missing == "x"', run: echo never, on_failure: abort }
resolution: { mode: human }
`);
    const handle = await start(plan, makeAlert());
    const final = await handle.result();
    expect(final.status).toBe('failed');
    expect(step(final, 'fix')).toMatchObject({ status: 'failed' });
    expect(step(final, 'fix')?.error).toContain('failed to evaluate');
  });
});

describe('a step that could not connect', () => {
  it('is in steps with ok false and exitCode null, so later conditions read it', async () => {
    const closed = await freePort();
    const plan = compile(
      HEADER.replace('CLOSED', String(closed)) +
        `diagnostics:
  - { id: probe, target: down, run: echo unreachable, retries: 1 }
  - { id: fallback, target: box, when: '!steps.probe.ok && steps.probe.exitCode == null && steps.probe.stdout == ""', run: echo fallback }
resolution: { mode: human }
`,
    );
    const handle = await start(plan, makeAlert());
    const s = await until(handle, (x) =>
      ['succeeded', 'skipped'].includes(step(x, 'fallback')?.status ?? ''),
    );
    expect(step(s, 'probe')?.status).toBe('failed');
    expect(step(s, 'probe')?.error).toContain(`127.0.0.1:${closed}`);
    expect(step(s, 'fallback')).toMatchObject({ status: 'succeeded', condition: { result: true } });
    expect(step(s, 'fallback')?.hosts[0]?.stdout).toBe('fallback\n');
    await closeAsHuman(handle);
  });
});

describe('a label that tries to choose the SSH user and port', () => {
  it('fails the step with the refusal on its timeline, and the next step reads it as not ok', async () => {
    const plan = compile(
      HEADER.replace(
        'trigger: { match: { alertname: TestAlert } }',
        'trigger: { match: { alertname: TestAlert, host: { exists: true } } }',
      ).replace(
        '  down:',
        "  fromlabel: { hosts: ['{{ labels.host }}'], user: " + TEST_USER + ', port: PORT0 }\n  down:',
      ) +
        `diagnostics:
  - { id: hostile, target: fromlabel, run: id -un }
  - { id: after, target: box, when: '!steps.hostile.ok', run: echo refused }
resolution: { mode: human }
`,
    );
    const hostile = `root@127.0.0.1:${fleet.instances[1]!.port}`;
    const handle = await start(plan, makeAlert({ labels: { alertname: 'TestAlert', host: hostile } }));
    const s = await until(handle, (x) => step(x, 'after')?.status === 'succeeded');
    expect(step(s, 'hostile')).toMatchObject({ status: 'failed', hosts: [] });
    expect(step(s, 'hostile')?.error).toBe(
      `target fromlabel: ${JSON.stringify(hostile)} from labels.host is not a host name (it carries a user ("user@")); use hostOf(labels.host) to take the host of an address such as an exporter's instance`,
    );
    expect(
      s.timeline.find((t) => t.kind === 'step_finished' && t.message.startsWith('hostile failed'))?.message,
    ).toContain('is not a host name');
    await closeAsHuman(handle);
  });
});

describe('a multi-host step', () => {
  it('exposes every host, with exists/all macros and anyOk/allOk', async () => {
    const plan = compile(`${HEADER}diagnostics:
  - id: ports
    target: both
    run: echo "\${SSH_CONNECTION##* }"; test "\${SSH_CONNECTION##* }" = PORT0
    extract: { port: { regex: '(\\d+)', type: number } }
remediations:
  - { id: one-host, target: box, approval: auto, destructive: false, when: 'steps.ports.hosts.exists(h, h.values.port == PORT1) && steps.ports.anyOk && !steps.ports.allOk', run: echo any }
  - { id: every-host, target: box, approval: auto, destructive: false, when: 'steps.ports.hosts.all(h, h.ok)', run: echo all }
  - { id: second, target: box, approval: auto, destructive: false, when: 'steps.ports.hosts[1].values.port == PORT1 && steps.ports.values.port == PORT0', run: echo second }
resolution: { mode: human }
`);
    const handle = await start(plan, makeAlert());
    const s = await until(
      handle,
      (x) => step(x, 'second')?.status === 'succeeded' || step(x, 'second')?.status === 'skipped',
    );
    expect(step(s, 'ports')?.hosts.map((h) => [h.ok, h.values.port])).toEqual([
      [true, fleet.instances[0]!.port],
      [false, fleet.instances[1]!.port],
    ]);
    expect(step(s, 'one-host')?.status).toBe('succeeded');
    expect(step(s, 'every-host')?.status).toBe('skipped');
    expect(step(s, 'second')?.status).toBe('succeeded');
    await closeAsHuman(handle);
  });
});
