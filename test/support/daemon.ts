/**
 * Long-running third-party servers started by the test helpers: output goes to a log file in the
 * server's scratch directory, so a server that fails to come up is reported with the end of its
 * own log rather than a bare timeout.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A spawned server process and the file its stdout and stderr go to. */
export interface Daemon {
  proc: ChildProcess;
  logFile: string;
  /** The last `chars` characters of the log, for error messages. */
  tail(chars?: number): string;
}

/** Spawns `bin args` detached from the test's stdio, logging to `logFile` (appended). */
export function spawnDaemon(bin: string, args: string[], logFile: string, cwd?: string): Daemon {
  const fd = openSync(logFile, 'a');
  try {
    const proc = spawn(bin, args, { cwd, stdio: ['ignore', fd, fd] });
    return { proc, logFile, tail: (chars = 3000) => tailOf(logFile, chars) };
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

function tailOf(file: string, chars: number): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/** Resolves once `probe()` is true; polls every `intervalMs`; fails fast when `daemon` exits. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  daemon?: Daemon,
  intervalMs = 200,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (daemon && (daemon.proc.exitCode !== null || daemon.proc.signalCode !== null)) {
      const how = daemon.proc.exitCode ?? daemon.proc.signalCode;
      throw new Error(`${what}: the process exited (${String(how)}) before it was ready\n${daemon.tail()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > end) {
      throw new Error(`${what}: not ready after ${timeoutMs} ms\n${daemon?.tail() ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True when GET `url` answers 2xx (a readiness probe for servers with an HTTP endpoint). */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

/** Result of running a checker such as `promtool check rules` or `amtool check-config`. */
export interface ToolCheck {
  /** True when the tool exited 0. */
  ok: boolean;
  /** stdout and stderr together, as a user would read them. */
  output: string;
}

/** Runs a checking tool; a non-zero exit is a result (`ok: false`), not an exception. */
export function runCheck(bin: string, args: string[]): Promise<ToolCheck> {
  return new Promise((resolveCheck, reject) => {
    execFile(bin, args, { timeout: 60_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolveCheck({ ok: !err, output });
    });
  });
}

/**
 * A free port on 127.0.0.1 below `limit`. Linux hands out ephemeral ports from 32768 up, and
 * Temporal stores membership ports in a PostgreSQL smallint, so those must come from below.
 */
export async function freePortBelow(limit = 32768, from = 20000): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (limit - from));
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${from} and ${limit} after 200 tries`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolveBind) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolveBind(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolveBind(true)));
  });
}
