/**
 * The embedded Temporal: the Temporal CLI dev server with its state in a SQLite file under
 * FIREBREAK_HOME, so in-flight incidents survive an engine restart (even a SIGKILL).
 *
 * We spawn the server ourselves (rather than through the SDK) so its pid is on disk: a SIGKILLed
 * engine leaves an orphaned server holding the port and the database, and the next start must
 * find and stop it. Without Go on the machine, the SDK's own download is the fallback.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { ensureDevServerBinary } from '../../services/provision';
import { EngineError } from '../../services/config/errors';

export interface DevServerOptions {
  home: string;
  host: string;
  port: number;
  uiPort: number;
  log: (line: string) => void;
  sync?: DevDbSync;
}

/** `full` fsyncs every commit (survives power loss); `normal`, the default, survives a crash. */
export type DevDbSync = 'normal' | 'full';

/**
 * Flags the embedded server runs with — the engine, the test suite and `bench:intake` alike, so
 * what is measured is what ships.
 *
 * The dev server funnels all persistence through one SQLite connection, handed to waiters in
 * random order. Its background queues default to 512 workers each, so during an alert storm the
 * visibility inserts (a third of its CPU, measured with pprof) and task transfers crowd starts and
 * signals out of that connection. One visibility worker and two transfer workers keep the
 * background work flowing (visibility stays seconds behind at worst) while starts and signals
 * get the connection. The CLI also forces a search-attribute cache refresh on every read, for
 * tests that create attributes at run time; Firebreak creates none, so it reads the cache.
 *
 * With a database file, WAL with `synchronous=normal` replaces a rollback journal fsynced on
 * every commit: 273 → ~1,100 alerts/s in bench:intake. A killed process loses nothing (the WAL is
 * replayed on open); a power cut may lose the last commits. `sync: 'full'` fsyncs every commit
 * again (~620 alerts/s).
 */
export function devServerArgs(opts: { dbFile?: string; sync?: DevDbSync } = {}): string[] {
  const dynamic = {
    'history.visibilityProcessorSchedulerWorkerCount': 1,
    'history.transferProcessorSchedulerWorkerCount': 2,
    'system.forceSearchAttributesCacheRefreshOnRead': false,
    // One worker process polls a single-node server: one partition per task queue lets every
    // task meet a waiting poller (four partitions, the default, scatter tasks and pollers), and
    // an activity scheduled by a workflow task goes back with the completion's answer to the
    // worker that will run it (eager execution) instead of through matching and the database.
    'matching.numTaskqueueReadPartitions': 1,
    'matching.numTaskqueueWritePartitions': 1,
    'system.enableActivityEagerExecution': true,
    // Task priority (an incident's first command goes first, workflows/incident/steps.ts): server
    // 1.29, which this CLI embeds, needs the priority-enabled matcher switched on (default from 1.32).
    'matching.useNewMatcher': true,
    // Worker heartbeats (off by default before server 1.32): /healthz counts live workers by them.
    'frontend.WorkerHeartbeatsEnabled': true,
    'frontend.ListWorkersEnabled': true,
  };
  const args = Object.entries(dynamic).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${v}`]);
  if (opts.dbFile) {
    args.push('--sqlite-pragma', 'journal_mode=wal');
    args.push('--sqlite-pragma', `synchronous=${opts.sync ?? 'normal'}`);
  }
  return args;
}

/** Shown when the first start builds the dev server: minutes a user may not want to wait. */
export const SKIP_BUILD_HINT = 'skip this: set TEMPORAL_ADDRESS=host:port to use an existing Temporal server';

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isOurServer(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('temporal') && cmdline.includes('start-dev');
  } catch {
    // No /proc (macOS): trust the pid file only if the process is alive.
    return alive(pid);
  }
}

async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await sleep(50);
}

/** Stops a server left behind by an engine that was killed without cleaning up. */
async function stopOrphan(pidFile: string, log: (line: string) => void): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && isOurServer(pid)) {
    log(`stopping a Temporal dev server left running by a previous engine (pid ${pid})`);
    await stopPid(pid);
  }
  rmSync(pidFile, { force: true });
}

export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const dir = join(opts.home, 'temporal');
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'dev-server.pid');
  const dbFile = join(dir, 'temporal.db');
  await stopOrphan(pidFile, opts.log);
  if (await portOpen(opts.host, opts.port)) {
    throw new EngineError(
      `port ${opts.host}:${opts.port} is already in use; set TEMPORAL_PORT to another port, or TEMPORAL_ADDRESS=${opts.host}:${opts.port} to use the server running there`,
    );
  }

  const binary = await ensureDevServerBinary({
    log: opts.log,
    what: 'building the Temporal CLI',
    hint: SKIP_BUILD_HINT,
  });
  if (!binary) return startWithSdkDownload(opts, dbFile);

  const logFile = join(opts.home, 'logs', 'temporal.log');
  mkdirSync(join(opts.home, 'logs'), { recursive: true });
  const out = openSync(logFile, 'a');
  const child = spawn(
    binary,
    [
      'server',
      'start-dev',
      '--db-filename',
      dbFile,
      '--ip',
      opts.host,
      '--port',
      String(opts.port),
      '--ui-port',
      String(opts.uiPort),
      '--log-level',
      'warn',
      ...devServerArgs({ dbFile, sync: opts.sync }),
    ],
    { stdio: ['ignore', out, out] },
  );
  closeSync(out);
  if (child.pid === undefined) throw new EngineError(`could not start ${binary}`);
  writeFileSync(pidFile, String(child.pid));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));

  const deadline = Date.now() + 60_000;
  while (!(await portOpen(opts.host, opts.port))) {
    if (exited !== undefined)
      throw new EngineError(`the Temporal dev server exited (${String(exited)}); see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EngineError(
        `the Temporal dev server did not open ${opts.host}:${opts.port} within 60 s; see ${logFile}`,
      );
    }
    await sleep(200);
  }
  return {
    address: `${opts.host}:${opts.port}`,
    uiUrl: `http://${opts.host}:${opts.uiPort}`,
    async stop() {
      if (child.pid !== undefined) await stopPid(child.pid);
      rmSync(pidFile, { force: true });
    },
  };
}

/** Fallback on machines without Go: the SDK downloads and manages its own dev server. */
async function startWithSdkDownload(opts: DevServerOptions, dbFilename: string): Promise<DevServer> {
  opts.log('Go is not installed: letting the Temporal SDK download its dev server');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      dbFilename,
      ip: opts.host,
      port: opts.port,
      ui: true,
      uiPort: opts.uiPort,
      extraArgs: devServerArgs({ dbFile: dbFilename, sync: opts.sync }),
    },
  });
  return {
    address: `${opts.host}:${opts.port}`,
    uiUrl: `http://${opts.host}:${opts.uiPort}`,
    stop: () => env.teardown(),
  };
}
