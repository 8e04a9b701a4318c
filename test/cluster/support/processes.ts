/**
 * Firebreak's own processes for the cluster lane, started exactly as an operator starts them —
 * `node dist/worker/main.js` and `node dist/apps/intake/main.js`, configured only through their
 * environment — each with its own FIREBREAK_HOME, their output in a log file for failures.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from '../../support/daemon';
import type { Daemon } from '../../support/daemon';
import { freePort } from '../../support/net';
import { stopProcess } from '../../support/services';

const ROOT = resolve(__dirname, '../../..');

/** One running (or stopped) Firebreak process. */
export interface FirebreakProcess {
  name: string;
  /** Its FIREBREAK_HOME. */
  home: string;
  /** The environment it was started with (restart reuses it). */
  env: NodeJS.ProcessEnv;
  proc: ChildProcess;
  /** The intake's base URL (intakes only). */
  url?: string;
  /** The end of its log, for failure messages. */
  tail(chars?: number): string;
  /** SIGKILL: a crash, nothing drained. Resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** Alive (not exited). */
  running(): boolean;
}

function spawnLogged(entry: string, env: NodeJS.ProcessEnv, logFile: string): Daemon {
  const fd = openSync(logFile, 'a');
  try {
    const proc = spawn(process.execPath, [join(ROOT, entry)], {
      cwd: ROOT,
      env,
      stdio: ['ignore', fd, fd],
    });
    const tail = (chars = 4000) => {
      try {
        return readFileSync(logFile, 'utf8').slice(-chars);
      } catch {
        return '';
      }
    };
    return { proc, logFile, tail };
  } finally {
    closeSync(fd);
  }
}

function handle(
  name: string,
  home: string,
  env: NodeJS.ProcessEnv,
  d: Daemon,
  url?: string,
): FirebreakProcess {
  const running = () => d.proc.exitCode === null && d.proc.signalCode === null;
  return {
    name,
    home,
    env,
    proc: d.proc,
    ...(url ? { url } : {}),
    tail: d.tail,
    running,
    async kill() {
      if (!running()) return;
      const exited = new Promise<void>((r) => d.proc.once('exit', () => r()));
      d.proc.kill('SIGKILL');
      await exited;
    },
    stop: () => stopProcess(d.proc, 15_000),
  };
}

/** Starts `entry` and waits until its log contains `ready`. */
async function start(
  name: string,
  entry: string,
  home: string,
  env: NodeJS.ProcessEnv,
  ready: string,
  url?: string,
): Promise<FirebreakProcess> {
  mkdirSync(home, { recursive: true });
  const d = spawnLogged(entry, env, join(home, `${name}.log`));
  const h = handle(name, home, env, d, url);
  try {
    await waitFor(`${name} (${entry})`, async () => d.tail(100_000).includes(ready), 120_000, d, 250);
  } catch (e) {
    await h.kill();
    throw e;
  }
  return h;
}

/** `node dist/worker/main.js` with `env` plus its own FIREBREAK_HOME; resolves once it polls. */
export function startWorkerProcess(
  name: string,
  home: string,
  env: NodeJS.ProcessEnv,
): Promise<FirebreakProcess> {
  const full = { ...env, FIREBREAK_HOME: home, FIREBREAK_TEST_WORKER: name };
  return start(name, 'dist/worker/main.js', home, full, 'firebreak worker: polling');
}

/** `node dist/apps/intake/main.js` on a free loopback port; resolves once it listens. */
export async function startIntakeProcess(
  name: string,
  home: string,
  env: NodeJS.ProcessEnv,
): Promise<FirebreakProcess> {
  const port = await freePort();
  const full = { ...env, FIREBREAK_HOME: home, FIREBREAK_HOST: '127.0.0.1', FIREBREAK_PORT: String(port) };
  return start(
    name,
    'dist/apps/intake/main.js',
    home,
    full,
    'firebreak intake: listening',
    `http://127.0.0.1:${port}`,
  );
}

/** Starts a stopped or killed worker again, same name, home and environment. */
export function restartWorker(w: FirebreakProcess): Promise<FirebreakProcess> {
  return start(w.name, 'dist/worker/main.js', w.home, w.env, 'firebreak worker: polling');
}
