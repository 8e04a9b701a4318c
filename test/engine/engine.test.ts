/**
 * The engine as a user runs it: `firebreak start` (what `npm start` runs) in a child process with
 * the embedded Temporal dev server, the worker and the intake; the demo end to end; an incident
 * surviving a SIGKILL of the whole engine; and refusal to start on a broken runbook.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoLogDir, seedDemoLogs } from '../../apps/cli/demo-logs';
import type { IncidentState } from '../../contracts/incident';
import { freePort } from '../support/services';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'firebreak.js');
const TOKEN = 'engine-test-token-alice';

interface Engine {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function engineEnv(home: string, ports: { intake: number; temporal: number; ui: number }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FIREBREAK_HOME: home,
    FIREBREAK_PORT: String(ports.intake),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    TEMPORAL_ADDRESS: '',
    SMTP_URL: '',
    FIREBREAK_TOKEN_ALICE: TOKEN,
  };
}

async function startEngine(env: NodeJS.ProcessEnv): Promise<Engine> {
  const proc = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${env.FIREBREAK_PORT}`;
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`engine exited (${proc.exitCode}):\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return { proc, url, output: () => out };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`engine not healthy within 150 s:\n${out}`);
    }
    await sleep(500);
  }
}

async function stopEngine(e: Engine | undefined): Promise<void> {
  if (!e || e.proc.exitCode !== null) return;
  e.proc.kill('SIGINT');
  const deadline = Date.now() + 30_000;
  while (e.proc.exitCode === null && Date.now() < deadline) await sleep(100);
  if (e.proc.exitCode === null) e.proc.kill('SIGKILL');
}

async function incident(url: string, id: string): Promise<IncidentState | undefined> {
  const res = await fetch(`${url}/v1/incidents/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) return undefined;
  return (await res.json()) as IncidentState;
}

async function waitIncident(
  url: string,
  id: string,
  until: (s: IncidentState) => boolean,
  timeoutMs = 90_000,
): Promise<IncidentState> {
  const deadline = Date.now() + timeoutMs;
  let last: IncidentState | undefined;
  while (Date.now() < deadline) {
    last = await incident(url, id).catch(() => undefined);
    if (last && until(last)) return last;
    await sleep(500);
  }
  throw new Error(`incident ${id} never reached the expected state; last: ${last?.status ?? 'none'}`);
}

async function fireDemo(url: string, fingerprint: string): Promise<string> {
  const payload = JSON.parse(readFileSync(join(ROOT, 'examples', 'alerts', 'demo.json'), 'utf8')) as {
    alerts: { fingerprint: string }[];
  };
  for (const a of payload.alerts) a.fingerprint = fingerprint;
  const res = await fetch(`${url}/v1/alerts/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { incidents: { id: string; deduplicated: boolean }[] };
  expect(body.incidents).toHaveLength(1);
  return body.incidents[0]!.id;
}

describe('the engine started the way README says', () => {
  let home: string;
  let engine: Engine | undefined;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'firebreak-engine-'));
  });
  afterEach(async () => {
    await stopEngine(engine);
    engine = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses to start on an invalid runbook and names the file, line and column', () => {
    const runbooks = join(home, 'runbooks');
    cpSync(join(ROOT, 'runbooks'), runbooks, { recursive: true });
    writeFileSync(
      join(runbooks, 'broken.yaml'),
      'apiVersion: firebreak/v1\nkind: Runbook\nmetadata:\n  id: broken\n  title: Broken\n  service: x\n  severity: P9\n',
    );
    const r = spawnSync(process.execPath, [BIN, 'start'], {
      env: { ...process.env, FIREBREAK_HOME: home, FIREBREAK_RUNBOOKS: runbooks },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to start/);
    expect(r.stderr).toMatch(/broken\.yaml:7:13: /);
    expect(existsSync(join(home, 'temporal', 'dev-server.pid'))).toBe(false);
  });

  it('runs the demo end to end: alert in, approval through the API, local remediation, resolved, report and mail', async () => {
    const ports = { intake: await freePort(), temporal: await freePort(), ui: await freePort() };
    const env = engineEnv(home, ports);
    engine = await startEngine(env);
    expect(engine.output()).toContain('Firebreak is running.');

    const r = spawnSync(process.execPath, [BIN, 'demo', '--token', TOKEN, '--url', engine.url], {
      env,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/found 3 stale log file/);
    expect(r.stdout).toMatch(/incident resolved; report: .*\.md/);
    expect(readdirSync(demoLogDir({ home }))).toEqual(['gateway.log']);

    const id = /started: (\S+)/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const state = await waitIncident(engine.url, id!, (s) => s.status === 'resolved');
    const decision = state.steps.find((s) => s.id === 'cleanup-logs')?.decidedBy;
    expect(decision).toMatchObject({ person: 'alice', channel: 'api', decision: 'approved' });
    // The engine's worker keeps a copy on its disk; the API serves the report itself, by URL.
    expect(existsSync(join(home, 'reports', `${id!}.md`))).toBe(true);
    const html = await fetch(`${engine.url}/v1/incidents/${encodeURIComponent(id!)}/report?format=html`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await html.text()).toContain('<table');
    const mails = readdirSync(join(home, 'outbox')).filter((f) => f.endsWith('.eml'));
    expect(mails.length).toBeGreaterThan(0);
    const all = mails.map((f) => readFileSync(join(home, 'outbox', f), 'utf8')).join('\n');
    expect(all).toContain(id!);
    // One prefix per line: the outbox's log line is `firebreak: mail → …`.
    expect(engine.output()).toMatch(/^firebreak: mail → alice@example\.com: /m);
    expect(engine.output()).not.toContain('firebreak: firebreak');
  });

  it('finishes an incident that was in flight when the engine was SIGKILLed', async () => {
    const ports = { intake: await freePort(), temporal: await freePort(), ui: await freePort() };
    const env = engineEnv(home, ports);
    engine = await startEngine(env);
    seedDemoLogs(demoLogDir({ home }));
    const id = await fireDemo(engine.url, `kill${Date.now().toString(16)}`);
    await waitIncident(engine.url, id, (s) => s.status === 'awaiting_approval');

    engine.proc.kill('SIGKILL');
    while (engine.proc.exitCode === null && engine.proc.signalCode === null) await sleep(50);

    engine = await startEngine(env);
    expect(engine.output()).toMatch(/left running by a previous engine/);
    const res = await fetch(`${engine.url}/v1/incidents/${encodeURIComponent(id)}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ stepId: 'cleanup-logs', comment: 'after the crash' }),
    });
    expect(res.status).toBe(200);
    const state = await waitIncident(
      engine.url,
      id,
      (s) => s.status === 'resolved' && s.report !== undefined,
    );
    expect(state.steps.find((s) => s.id === 'cleanup-logs')?.status).toBe('succeeded');
    expect(readdirSync(demoLogDir({ home }))).toEqual(['gateway.log']);
  });

  it('loses nothing when the dev server itself is SIGKILLed mid-incident (SQLite WAL)', async () => {
    const ports = { intake: await freePort(), temporal: await freePort(), ui: await freePort() };
    const env = engineEnv(home, ports);
    engine = await startEngine(env);
    // The write-ahead log is what makes a kill safe without an fsync per commit.
    expect(existsSync(join(home, 'temporal', 'temporal.db-wal'))).toBe(true);
    seedDemoLogs(demoLogDir({ home }));
    const id = await fireDemo(engine.url, `walkill${Date.now().toString(16)}`);
    await waitIncident(engine.url, id, (s) => s.status === 'awaiting_approval');

    const serverPid = Number(readFileSync(join(home, 'temporal', 'dev-server.pid'), 'utf8'));
    process.kill(serverPid, 'SIGKILL');
    engine.proc.kill('SIGKILL');
    while (engine.proc.exitCode === null && engine.proc.signalCode === null) await sleep(50);

    engine = await startEngine(env);
    const res = await fetch(`${engine.url}/v1/incidents/${encodeURIComponent(id)}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ stepId: 'cleanup-logs', comment: 'after both crashed' }),
    });
    expect(res.status).toBe(200);
    const state = await waitIncident(engine.url, id, (s) => s.status === 'resolved');
    expect(state.steps.find((s) => s.id === 'cleanup-logs')?.status).toBe('succeeded');
    expect(state.timeline.some((t) => t.kind === 'alert_received')).toBe(true);
  });
});
