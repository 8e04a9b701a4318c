/**
 * Locates (installing on first use) the Temporal server binaries that tests and the engine run:
 * the Temporal CLI dev server and the Java time-skipping test server. The shell scripts beside
 * this file do the work; they exit 3 when the toolchain (Go / Java+Maven) is missing, and then
 * the caller lets the Temporal SDK download its own binary instead.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../config/paths';

/** Exit status of the provisioning scripts when the build toolchain is absent. */
export const TOOLCHAIN_MISSING = 3;

/** Scripts mark the lines meant for the user with this prefix; the rest is build-tool output. */
const SCRIPT_PREFIX = 'firebreak: ';

/**
 * How a provisioning run reports itself while it works: a first build of the Temporal CLI takes
 * minutes, and a silent terminal for that long reads as a hang.
 */
export interface ProvisionProgress {
  /**
   * Receives the script's own `firebreak:` lines (prefix stripped) and, after the first of them,
   * the elapsed-time lines.
   */
  log: (line: string) => void;
  /** What the elapsed-time lines name, e.g. "building the Temporal CLI". */
  what: string;
  /** Printed once, after the script's first line (a cached binary prints none). */
  hint?: string;
  /** Period of the elapsed-time lines; 15 s unless given. */
  everyMs?: number;
}

/** Optional settings of {@link runProvisionScript}. */
export interface ProvisionRunOptions {
  progress?: ProvisionProgress;
  /** Environment of the script; the process's own unless given. */
  env?: NodeJS.ProcessEnv;
}

function scriptPath(name: string): string {
  return join(repoRoot(), 'scripts', 'provision', name);
}

/** `75_000` → `1 min 15 s`. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Forwards the script's `firebreak:` lines and, once it has reported work (its first such line;
 * a cached binary prints none), says every `everyMs` how long it has been running.
 */
function reporter(progress: ProvisionProgress | undefined): {
  line: (text: string) => void;
  stop: () => void;
} {
  if (!progress) return { line: () => undefined, stop: () => undefined };
  const started = Date.now();
  let working = false;
  const timer = setInterval(() => {
    if (working) progress.log(`${progress.what}: ${formatElapsed(Date.now() - started)} elapsed`);
  }, progress.everyMs ?? 15_000);
  timer.unref();
  return {
    line(text) {
      if (!text.startsWith(SCRIPT_PREFIX)) return;
      progress.log(text.slice(SCRIPT_PREFIX.length));
      if (!working && progress.hint) progress.log(progress.hint);
      working = true;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Runs one script and returns the path it printed, or undefined when the toolchain is missing.
 * Other failures throw: a broken download should be seen, not silently replaced.
 */
export function runProvisionScript(
  name: string,
  timeoutMs = 10 * 60_000,
  options: ProvisionRunOptions = {},
): Promise<string | undefined> {
  return new Promise((resolvePath, reject) => {
    const child = spawn('bash', [scriptPath(name)], {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    const report = reporter(options.progress);
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      // Only the tail is ever shown; a go build can print thousands of lines.
      stderr = (stderr + text).slice(-20_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach(report.line);
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      report.stop();
      outcome();
    };
    child.once('error', (err) =>
      settle(() => reject(new Error(`provisioning with ${name} could not start: ${err.message}`))),
    );
    // Killed (the timeout): don't wait for the pipes, which a surviving grandchild may hold open.
    child.once('exit', (_code, signal) => {
      if (!signal) return;
      child.stdout.destroy();
      child.stderr.destroy();
      // `killed` is set only when we sent the signal, i.e. on the timeout.
      const why = child.killed ? `timed out after ${formatElapsed(timeoutMs)}` : `killed by ${signal}`;
      settle(() => reject(new Error(`provisioning with ${name} ${why}: ${stderr.trim().slice(-2000)}`)));
    });
    child.once('close', (code) =>
      settle(() => {
        if (partial) report.line(partial);
        if (code === TOOLCHAIN_MISSING) return resolvePath(undefined);
        if (code !== 0) {
          return reject(
            new Error(
              `provisioning with ${name} failed (exit ${String(code)}): ${stderr.trim().slice(-2000)}`,
            ),
          );
        }
        const path = stdout.trim().split('\n').pop();
        if (!path || !existsSync(path)) {
          return reject(new Error(`provisioning with ${name} printed no usable path: "${stdout.trim()}"`));
        }
        resolvePath(path);
      }),
    );
  });
}

const cache = new Map<string, Promise<string | undefined>>();

function once(name: string, timeoutMs?: number, options?: ProvisionRunOptions): Promise<string | undefined> {
  let p = cache.get(name);
  if (!p) {
    p = runProvisionScript(name, timeoutMs, options);
    // A failed attempt may succeed later (network back): don't cache failures.
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return p;
}

/**
 * Path of the Temporal CLI binary (dev server), or undefined when Go is missing. A cold build
 * takes 5-10 minutes on two cores, hence the longer timeout; `progress` reports on it.
 */
export function ensureDevServerBinary(progress?: ProvisionProgress): Promise<string | undefined> {
  return once('temporal-cli.sh', 30 * 60_000, { progress });
}

/** Path of the time-skipping test server wrapper, or undefined when Java/Maven are missing. */
export function ensureTestServerBinary(): Promise<string | undefined> {
  return once('temporal-test-server.sh');
}
