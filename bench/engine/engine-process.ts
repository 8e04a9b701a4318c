/**
 * The engine exactly as `npm start` runs it: `node <the start script's flags> scripts/start.js`
 * (which builds dist/ when the sources are newer, then runs `firebreak start`) in a child process,
 * with the fixture's environment. Its output goes to a log file in the fixture's home.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface EngineProcess {
  proc: ChildProcess;
  pid: number;
  url: string;
  /** The embedded dev server's pid (undefined with `--address`). */
  serverPid?: number;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * The Node flags `npm start` passes (package.json's start script, `node <flags> scripts/start.js`),
 * so the engine here runs with them too.
 */
export function startScriptNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'scripts/start.js')
    throw new Error(`package.json start script is not "node [flags] scripts/start.js": ${pkg.scripts.start}`);
  return words.slice(1, -1);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

/** Starts the engine and resolves once /healthz says a worker is polling. */
export async function startEngineProcess(
  home: string,
  env: NodeJS.ProcessEnv,
  port: number,
  nodeArgs: string[] = [],
): Promise<EngineProcess> {
  const logFile = join(home, 'engine.log');
  const out = openSync(logFile, 'a');
  // BENCH_ENGINE_MEMSTATS=<file>: every thread of the engine logs its heaps there (memstats.js).
  const preload = env.BENCH_ENGINE_MEMSTATS ? ['--require', join(__dirname, 'memstats.js')] : [];
  const args = [...preload, ...startScriptNodeArgs(), ...nodeArgs, join(ROOT, 'scripts', 'start.js')];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGINT');
    const t = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(t);
  };
  const deadline = Date.now() + 300_000; // a first run may build dist/ and the dev server
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the engine exited (${proc.exitCode}):\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the engine was not healthy within 300 s:\n${tail(logFile)}`);
    }
    await sleep(250);
  }
  let serverPid: number | undefined;
  if (!env.TEMPORAL_ADDRESS) {
    const raw = Number(readFileSync(join(home, 'temporal', 'dev-server.pid'), 'utf8').trim());
    if (Number.isInteger(raw) && raw > 0) serverPid = raw;
  }
  return { proc, pid: proc.pid as number, url, ...(serverPid ? { serverPid } : {}), logFile, stop };
}
