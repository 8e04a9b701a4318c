/**
 * Real Temporal servers for tests: the Java time-skipping test server and the Temporal CLI dev
 * server, from the binaries the provisioning scripts install (falling back to the SDK's own
 * download when the toolchain is missing), plus a once-per-file workflow bundle.
 */
import { freePort, waitForPort as waitForPortNet } from './net';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Runtime,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { devServerArgs } from '../../apps/engine/devserver';
import { SHARED_WORKFLOW_MODULES } from '../../worker/bundle';
import { WORKER_HEARTBEAT_MS } from '../../services/config/cluster';
import type { DevDbSync } from '../../apps/engine/devserver';
import { ensureDevServerBinary, ensureTestServerBinary } from '../../services/provision';

let runtimeInstalled = false;
/** Keeps worker chatter out of test output (warnings and errors still show). */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // Worker heartbeats as often as the worker process sends them (/healthz counts workers by them).
    Runtime.install({ logger: new DefaultLogger('WARN'), workerHeartbeatInterval: WORKER_HEARTBEAT_MS });
  } catch {
    // Already installed by an earlier create: keep that one.
  }
}

/** The reason a failed Update gives (the client wraps it in a generic "Workflow Update failed"). */
export async function updateFailure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause;
    return cause?.message ?? (e as Error).message;
  }
  throw new Error('expected the update to be refused, but it was accepted');
}

/** Resolves once something accepts TCP connections on the port (Temporal servers start slowly). */
export const waitForPort = (port: number, timeoutMs = 60_000): Promise<void> =>
  waitForPortNet(port, timeoutMs);

type CreateOptions = {
  server: { type: 'existing' };
  address: string;
  supportsTimeSkipping: boolean;
  namespace?: string;
};
/** `TestWorkflowEnvironment.create` is private in 1.24's typings but is the only way to attach time skipping to a server we started. */
const createEnv = (
  TestWorkflowEnvironment as unknown as { create(o: CreateOptions): Promise<TestWorkflowEnvironment> }
).create.bind(TestWorkflowEnvironment);

/** Starts the time-skipping wrapper ourselves (the JVM can miss the SDK's start window on a busy box); `teardown()` stops it. */
export async function startOwnTestServer(path: string): Promise<TestWorkflowEnvironment> {
  const port = await freePort();
  const child: ChildProcess = spawn(path, [String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitForPort(port, 120_000);
    const env = await createEnv({
      server: { type: 'existing' },
      address: `127.0.0.1:${port}`,
      supportsTimeSkipping: true,
    });
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      await teardown();
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    return env;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}

/** A time-skipping environment on the Java test server. Call `teardown()` in afterAll. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = await ensureTestServerBinary();
  if (!path) return TestWorkflowEnvironment.createTimeSkipping();
  try {
    return await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path } },
    });
  } catch {
    return startOwnTestServer(path);
  }
}

/**
 * A full dev server (Temporal CLI) with the engine's own flags; in-memory SQLite unless `dbFile`
 * is given (the engine's default keeps its state in a file). Call `teardown()` in afterAll.
 */
export async function createDevServerEnv(
  dbFile?: string,
  sync?: DevDbSync,
): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = await ensureDevServerBinary();
  const server = {
    ...(path ? { executable: { type: 'existing-path' as const, path } } : {}),
    ip: '127.0.0.1',
    ui: false,
    ...(dbFile ? { dbFilename: dbFile } : {}),
    extraArgs: devServerArgs({ dbFile, sync }),
  };
  return TestWorkflowEnvironment.createLocal({ server });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * The workflows/ bundle, built once per test file (jest gives each file its own module registry),
 * with the modules the shipped worker preloads (worker/bundle.ts), so tests run what ships.
 */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: resolve(__dirname, '../../workflows/index.ts'),
    preloadModules: SHARED_WORKFLOW_MODULES,
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

export { freePort };
