/**
 * Built-in checks and logs.cleanup run for real with /bin/sh on this machine (real files, a real
 * HTTP server, real processes); postgres/redis/supervisor/rollback are proven over SSH in
 * test/transport/builtins.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAction } from '../../language/actions';
import { evaluateSuccess, renderTemplate } from '../../language/expressions';
import type { ExpressionContext, ExtractedValue } from '../../contracts/plan';
import { extractAll } from '../../services/transport/output';

const ctx: ExpressionContext = {
  labels: {},
  annotations: {},
  alert: { status: 'firing', fingerprint: 'f', startsAt: '', generatorURL: '' },
  vars: {},
  incident: { id: 'i', severity: 'P2', runbook: 'rb', service: 's' },
  steps: {},
};

/** Runs a shell command without blocking the event loop (the HTTP server under test lives here). */
function sh(
  command: string,
  cwd?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Builds, renders and runs an action with /bin/sh; returns extracted values and success. */
async function runAction(
  name: string,
  params: Record<string, unknown>,
  cwd?: string,
): Promise<{ ok: boolean; values: Record<string, ExtractedValue>; stdout: string }> {
  const def = getAction(name);
  if (!def) throw new Error(`no action ${name}`);
  const built = def.build(params);
  const res = await sh(renderTemplate(built.command, ctx), cwd);
  const values = extractAll(built.extract, { stdout: res.stdout, stderr: res.stderr });
  const host = { exitCode: res.status, stdout: res.stdout, stderr: res.stderr, values };
  return { ok: evaluateSuccess(built.success ?? 'exitCode == 0', host), values, stdout: res.stdout };
}

let server: Server;
let port: number;
let dir: string;
let sleeper: ChildProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-actions-'));
  server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 503;
    res.end(req.url === '/health' ? 'ok healthy' : 'down');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  sleeper = spawn('sleep', ['37.123'], { stdio: 'ignore' });
});

afterAll(async () => {
  sleeper.kill('SIGKILL');
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('http.check', () => {
  it('succeeds on the expected status and body text', async () => {
    const r = await runAction('http.check', { url: `http://127.0.0.1:${port}/health`, contains: 'healthy' });
    expect(r.values).toEqual({ status: 200, contains: true });
    expect(r.ok).toBe(true);
  });
  it('fails on another status', async () => {
    const r = await runAction('http.check', { url: `http://127.0.0.1:${port}/other` });
    expect(r.values.status).toBe(503);
    expect(r.ok).toBe(false);
  });
  it('fails with status 0 when nothing listens', async () => {
    const r = await runAction('http.check', { url: 'http://127.0.0.1:1/', timeout: '2s' });
    expect(r.values.status).toBe(0);
    expect(r.ok).toBe(false);
  });
});

describe('port.check', () => {
  it('sees a listening port', async () => {
    expect((await runAction('port.check', { port })).ok).toBe(true);
  });
  it('reports a free port as not listening, and succeeds when closed was expected', async () => {
    expect((await runAction('port.check', { port: 1 })).values.listening).toBe(false);
    expect((await runAction('port.check', { port: 1, expect: 'closed' })).ok).toBe(true);
  });
});

describe('process.check', () => {
  it('counts a matching process without counting its own shell', async () => {
    const r = await runAction('process.check', { pattern: 'sleep 37.123' });
    expect(r.values.count).toBe(1);
    expect(r.ok).toBe(true);
  });
  it('fails when nothing matches', async () => {
    const r = await runAction('process.check', { pattern: 'no-such-process-firebreak-[0-9]{9}' });
    expect(r.values.count).toBe(0);
    expect(r.ok).toBe(false);
  });
});

describe('disk.check', () => {
  it('reports use% and succeeds under the threshold', async () => {
    const r = await runAction('disk.check', { path: dir, max_used_percent: 100 });
    expect(typeof r.values.used_percent).toBe('number');
    expect(r.ok).toBe(true);
  });
  it('fails above the threshold', async () => {
    // Any mounted filesystem in use is above 0%.
    expect((await runAction('disk.check', { path: '/', max_used_percent: 1 })).ok).toBe(false);
  });
});

describe('logs.cleanup', () => {
  it('deletes only matching files older than N days and reports the freed bytes', async () => {
    const logs = join(dir, 'logs with space');
    mkdirSync(join(logs, 'sub'), { recursive: true });
    const old = Date.now() / 1000 - 10 * 86400;
    const files: [string, number, boolean][] = [
      ['a.log', 100, true],
      ['sub/b.log.1', 50, true],
      ['fresh.log', 70, false],
      ['keep.txt', 30, true],
    ];
    for (const [name, size, isOld] of files) {
      writeFileSync(join(logs, name), 'x'.repeat(size));
      if (isOld) utimesSync(join(logs, name), old, old);
    }
    const r = await runAction('logs.cleanup', { path: logs, older_than_days: 7 });
    expect(r.values).toEqual({ files: 2, freed_bytes: 150 });
    expect(readdirSync(logs).sort()).toEqual(['fresh.log', 'keep.txt', 'sub']);
    expect((await runAction('logs.cleanup', { path: logs, older_than_days: 7 })).values).toEqual({
      files: 0,
      freed_bytes: 0,
    });
  });
  it('cleans a relative directory under its working directory, never reading it as an option', async () => {
    // The demo runbook's `demo/logs` is relative to the engine's home, where local steps run.
    const work = join(dir, 'relative-work');
    mkdirSync(join(work, '-logs'), { recursive: true });
    const old = Date.now() / 1000 - 10 * 86400;
    writeFileSync(join(work, '-logs', 'old.log'), 'x'.repeat(40));
    utimesSync(join(work, '-logs', 'old.log'), old, old);
    const r = await runAction('logs.cleanup', { path: '-logs', older_than_days: 7 }, work);
    expect({ ok: r.ok, values: r.values }).toEqual({ ok: true, values: { files: 1, freed_bytes: 40 } });
    expect(readdirSync(join(work, '-logs'))).toEqual([]);
  });
  it('refuses to clean the root directory', async () => {
    expect((await runAction('logs.cleanup', { path: '/' })).ok).toBe(false);
  });
});
