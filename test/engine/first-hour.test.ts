/**
 * A newcomer's first hour (issue #18) against the real thing: `firebreak start` in a child process
 * (embedded Temporal dev server, worker, intake) mailing through a real SMTP server (Mailpit), with
 * the shipped runbooks plus the example catch-all. The README's tour runs as written — the demo,
 * then the same loop by hand with the CLI — and the CLI prints real reasons and resulting states;
 * an alert no runbook matches is logged, listed and pages the default chain through the catch-all;
 * /metrics counts CLI approvals and shows the incident gauges; an unreachable SSH target costs one
 * log line per retry.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoLogDir } from '../../apps/cli/demo-logs';
import { OPEN_STATUSES } from '../../apps/intake/incident-gauges';
import type { IncidentState } from '../../contracts/incident';
import { runCheck } from '../support/daemon';
import { startMailpit } from '../support/mailpit';
import type { Mailpit } from '../support/mailpit';
import { describeProvisioned, provisioned } from '../support/provisioned';
import { freePort } from '../support/services';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'firebreak.js');
/** The demo alert's workflow id; each incident under it adds its opening time (`…-20261121T100001.123Z`). */
const DEMO_WORKFLOW = 'incident-demo-local-logs-d3m0f1r3b4e4k001';
const OPENED = '-\\d{8}T\\d{6}\\.\\d{3}Z';
/** The incident id a `started: <id>` line names. */
const startedId = (stdout: string): string => /started: (\S+)/.exec(stdout)?.[1] ?? '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One CLI run in a child process, as a user types it. */
function cli(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 240_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const READER = 'first-hour-reader-token';
const read = { headers: { authorization: `Bearer ${READER}` } };

describeProvisioned(['mailpit.sh'], 'the first hour, as the README tells it', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let url: string;
  let mailpit: Mailpit;
  let engine: ChildProcess | undefined;
  let output = '';

  async function incident(id: string): Promise<IncidentState | undefined> {
    const res = await fetch(`${url}/v1/incidents/${encodeURIComponent(id)}`, {
      ...read,
      signal: AbortSignal.timeout(10_000),
    });
    return res.status === 200 ? ((await res.json()) as IncidentState) : undefined;
  }

  async function waitIncident(id: string, until: (s: IncidentState) => boolean): Promise<IncidentState> {
    let last: IncidentState | undefined;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(300)) {
      last = await incident(id).catch(() => undefined);
      if (last && until(last)) return last;
    }
    throw new Error(`incident ${id} never got there; last status ${last?.status ?? 'none'}`);
  }

  beforeAll(async () => {
    mailpit = await startMailpit();
    home = mkdtempSync(join(tmpdir(), 'fb-first-hour-'));
    const runbooks = join(home, 'runbooks');
    cpSync(join(ROOT, 'runbooks'), runbooks, { recursive: true });
    cpSync(join(ROOT, 'examples', 'runbooks', 'catch-all.yaml'), join(runbooks, 'catch-all.yaml'));
    // The shipped QCAT runbooks read qcat_user's password from a secret (examples/firebreak.yaml).
    writeFileSync(
      join(home, 'firebreak.yaml'),
      'secrets:\n  qcat_db_password: { env: FB_FIRST_HOUR_QCAT_PW }\n',
    );
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      FIREBREAK_HOME: home,
      FIREBREAK_PORT: String(port),
      FIREBREAK_RUNBOOKS: runbooks,
      FIREBREAK_CATCH_ALL: 'catch-all',
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: '',
      SMTP_URL: `smtp://127.0.0.1:${mailpit.smtpPort}`,
      FIREBREAK_TOKEN_ALICE: '',
      // Reads need a person's token (issue #14); the tour itself reads through the CLI.
      FIREBREAK_API_TOKENS: `${READER}=alice`,
      FIREBREAK_LOG_LEVEL: '',
      FB_FIRST_HOUR_QCAT_PW: 'first-hour-not-a-real-password',
    };
    engine = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    engine.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    engine.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    for (const deadline = Date.now() + 150_000; ; await sleep(500)) {
      if (engine.exitCode !== null) throw new Error(`engine exited (${engine.exitCode}):\n${output}`);
      const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`engine not healthy within 150 s:\n${output}`);
    }
  }, 240_000);

  afterAll(async () => {
    if (engine && engine.exitCode === null) {
      engine.kill('SIGINT');
      for (let i = 0; i < 300 && engine.exitCode === null; i++) await sleep(100);
      if (engine.exitCode === null) engine.kill('SIGKILL');
    }
    await mailpit?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs the demo, then the same loop by hand: alert fire demo re-seeds, approve prints the resulting state', async () => {
    const demo = await cli(env, 'demo');
    expect(demo.stderr).toBe('');
    expect(demo.stdout).toContain(`1. seeding ${demoLogDir({ home })} with three stale logs`);
    expect(demo.stdout).toMatch(/incident resolved; report: /);

    const fire = await cli(env, 'alert', 'fire', 'demo');
    expect(fire.code).toBe(0);
    expect(fire.stdout.split('\n')).toEqual([
      `seeded ${demoLogDir({ home })} with three stale logs (the demo runbook's cleanup target)`,
      expect.stringMatching(new RegExp(`^started: ${DEMO_WORKFLOW}${OPENED}$`)),
      '',
    ]);
    const DEMO_ID = startedId(fire.stdout);
    await waitIncident(DEMO_ID, (s) => s.status === 'awaiting_approval');
    const list = await cli(env, 'incident', 'list');
    expect(list.stdout).toMatch(
      new RegExp(`${DEMO_ID}\\s+P3\\s+awaiting_approval\\s+demo-local-logs\\s+1\\s+cleanup-logs`),
    );

    const approve = await cli(env, 'incident', 'approve', DEMO_ID, 'cleanup-logs', '--as', 'alice');
    expect(approve.stderr).toBe('');
    expect(approve.stdout).toMatch(
      new RegExp(`^approved cleanup-logs: ${DEMO_ID} is now (remediating|verifying|resolved)\\n$`),
    );
    const done = await waitIncident(
      DEMO_ID,
      (s) => s.status === 'resolved' && s.timeline.some((e) => e.kind === 'report_written'),
    );
    expect(done.steps.find((s) => s.id === 'cleanup-logs')?.decidedBy).toMatchObject({
      person: 'alice',
      channel: 'cli',
    });
    expect(readdirSync(demoLogDir({ home }))).toEqual(['gateway.log']);
    expect((await cli(env, 'incident', 'report', DEMO_ID)).stdout).toContain(DEMO_ID);

    // The run closes just after its report is written; until then the step's own refusal answers.
    let late = await cli(env, 'incident', 'approve', DEMO_ID, 'cleanup-logs', '--as', 'alice');
    for (let i = 0; i < 40 && late.stderr.includes('was already approved'); i++) {
      await new Promise((r) => setTimeout(r, 250));
      late = await cli(env, 'incident', 'approve', DEMO_ID, 'cleanup-logs', '--as', 'alice');
    }
    expect(late.code).toBe(1);
    expect(late.stderr).toBe(
      `firebreak incident: refused: incident ${DEMO_ID} has ended (resolved) and takes no more actions\n`,
    );
  });

  it('says why a step takes no approval — skipped by its condition — and prints the state a close led to', async () => {
    const fired = await cli(env, 'alert', 'fire', 'demo', '--no-seed', '--fingerprint', 'nostale1');
    expect(fired.code).toBe(0);
    const id = startedId(fired.stdout);
    expect(id).toMatch(new RegExp(`^incident-demo-local-logs-nostale1${OPENED}$`));
    await waitIncident(id, (s) => s.status === 'escalated');
    const refused = await cli(env, 'incident', 'approve', id, 'cleanup-logs', '--as', 'alice');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "firebreak incident: refused: step cleanup-logs was skipped: its condition `steps['old-logs'].values.count > 0` was false, so there is nothing to approve\n",
    );
    const audited = await waitIncident(id, (s) => s.timeline.some((t) => t.kind === 'approval_refused'));
    expect(audited.timeline.find((t) => t.kind === 'approval_refused')?.message).toContain(
      'step cleanup-logs was skipped',
    );

    const close = await cli(env, 'incident', 'close', id, '--as', 'alice');
    expect(close.stdout).toBe(`closed: ${id} is now resolved\n`);
  });

  it('pages the default chain for an alert no runbook matches, through the catch-all, over real SMTP', async () => {
    const payload = JSON.parse(readFileSync(join(ROOT, 'examples', 'alerts', 'demo.json'), 'utf8')) as {
      alerts: { labels: Record<string, string>; fingerprint: string }[];
    };
    for (const a of payload.alerts) {
      a.labels = { alertname: 'NobodyWroteARunbook', service: 'billing', instance: 'billing-1' };
      a.fingerprint = 'nobody0001';
    }
    const file = join(home, 'nobody.json');
    writeFileSync(file, JSON.stringify(payload));
    const fire = await cli(env, 'alert', 'fire', file);
    expect(fire.stdout).toMatch(
      new RegExp(
        `^started: incident-catch-all-nobody0001${OPENED}\nunmatched: NobodyWroteARunbook — no runbook triggers on it \\(routed to the catch-all runbook catch-all\\)\n$`,
      ),
    );
    const catchAllId = startedId(fire.stdout);
    const opened = await waitForMail(
      // The subject says what is down: the alert's name and its service/instance labels (#14).
      (m) =>
        m.Subject.startsWith(
          '[Firebreak P3] Incident opened: NobodyWroteARunbook service=billing instance=billing-1 — ',
        ),
    );
    expect(opened.To.map((t) => t.Address)).toEqual(['alice@example.com']);
    expect((await mailpit.getMessage(opened.ID)).Text).toContain('incident-catch-all-nobody0001');
    expect(output).toContain(
      'firebreak: unmatched alert NobodyWroteARunbook (fingerprint nobody0001, alertmanager): routed to the catch-all runbook catch-all; labels alertname="NobodyWroteARunbook" service="billing" instance="billing-1"',
    );
    const listed = await cli(env, 'alert', 'unmatched');
    expect(listed.stdout).toMatch(
      /NobodyWroteARunbook\s+nobody0001\s+firing\s+1\s+catch-all\s+service=billing instance=billing-1/,
    );

    // The catch-all waits for a human; the alert resolving ends it, and the chain is told.
    expect((await cli(env, 'alert', 'fire', file, '--resolved')).code).toBe(0);
    const ended = await waitIncident(catchAllId, (s) => s.endedAt !== undefined);
    expect(ended.status).toBe('resolved');
    await waitForMail((m) =>
      m.Subject.startsWith(
        '[Firebreak P3] Incident resolved: NobodyWroteARunbook service=billing instance=billing-1 — ',
      ),
    );
  });

  async function waitForMail(pred: (m: Awaited<ReturnType<Mailpit['listMessages']>>[number]) => boolean) {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(200)) {
      const m = (await mailpit.listMessages()).find(pred);
      if (m) return m;
    }
    const seen = (await mailpit.listMessages()).map((m) => m.Subject);
    throw new Error(`the expected mail did not arrive in Mailpit; subjects there: ${JSON.stringify(seen)}`);
  }

  it('logs one line per attempt for an SSH target that refuses connections, with no stack trace', async () => {
    expect((await cli(env, 'alert', 'fire', 'db-pool-exhausted')).code).toBe(0);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(300)) {
      if ((output.match(/activity runCommand failed \(attempt /g) ?? []).length >= 2) break;
    }
    const failures = output.split('\n').filter((l) => l.includes('activity runCommand failed'));
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const l of failures)
      expect(l).toMatch(
        /^firebreak: \[WARN\] activity runCommand failed \(attempt \d+, incident-qcat-db-pool-exhausted-\w+, \d+ ms\): .*127\.0\.0\.1/,
      );
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(output).not.toContain('firebreak: firebreak');
  });

  it('serves the incident gauges and counts CLI approvals on /metrics; coerces ?limit and refuses text/plain with 415', async () => {
    const open = (await (await fetch(`${url}/v1/incidents?status=open&limit=50`, read)).json()) as {
      incidents: { id: string; status: string; pendingApprovals: unknown[] }[];
    };
    const limited = await fetch(`${url}/v1/incidents?limit=1&status=all`, read);
    expect(limited.status).toBe(200);
    expect(((await limited.json()) as { incidents: unknown[] }).incidents).toHaveLength(1);
    const plain = await fetch(`${url}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: readFileSync(join(ROOT, 'examples', 'alerts', 'demo.json'), 'utf8'),
    });
    expect(plain.status).toBe(415);

    const text = await (await fetch(`${url}/metrics`)).text();
    // The demo approved through Temporal (channel cli), then alice by hand; the skipped step's refusal.
    expect(text).toContain(
      'firebreak_approvals_total{decision="approve",channel="cli",outcome="accepted"} 2',
    );
    expect(text).toContain('firebreak_approvals_total{decision="approve",channel="cli",outcome="refused"} 1');
    const gauge = (status: string) =>
      Number(
        new RegExp(`^firebreak_incidents_open\\{status="${status}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN,
      );
    expect(OPEN_STATUSES.reduce((n, s) => n + gauge(s), 0)).toBe(open.incidents.length);
    expect(text).toMatch(/^firebreak_approvals_pending \d+$/m);
    expect(text).toMatch(/^firebreak_approvals_pending_oldest_seconds [\d.]+$/m);
    expect(text).toMatch(/^firebreak_incidents_open_escalation_level\{level="\d+"\} \d+$/m);
    expect(text).toContain('firebreak_incident_scan_truncated 0');

    const promtool = provisioned('promtool.sh');
    if (promtool.paths) {
      const file = join(home, 'metrics.txt');
      writeFileSync(file, text);
      const check = await runCheck('sh', ['-c', `"$0" check metrics < "$1"`, promtool.paths[0]!, file]);
      // prom-client's own default gauges carry a `_total` suffix promtool's lint dislikes; nothing else may fail.
      const known = /^firebreak_nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/;
      const problems = check.output.split('\n').filter((l) => l.trim() !== '' && !known.test(l));
      expect(problems).toEqual([]);
    }
  });

  it('refuses to start with a catch-all that would run commands', () => {
    const r = spawnSync(process.execPath, [BIN, 'start'], {
      env: { ...env, FIREBREAK_CATCH_ALL: 'demo-local-logs', FIREBREAK_PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('refusing to start: invalid configuration');
    expect(r.stderr).toContain(
      'the catch-all runbook demo-local-logs (FIREBREAK_CATCH_ALL) has 1 remediation(s)',
    );
  });
});
