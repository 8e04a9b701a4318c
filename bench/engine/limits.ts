/**
 * The limits each Firebreak figure is printed against, measured in the same run on the same
 * servers:
 * - Temporal: a bare client loop and a bare worker (bare-workflow.ts) on the engine's Temporal —
 *   start → first activity of an empty workflow, sequentially; then the storm's exact shape (the
 *   same deliveries, fingerprints and senders, each first delivery a start and every other a
 *   signal carrying the same alert), with the server's and this process's CPU;
 * - SSH: a bare ssh2 exec on one connection to the same sshd.
 */
import { readFileSync } from 'node:fs';
import { Client as TemporalClient } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Client as SshClient } from 'ssh2';
import { cpuSeconds } from './procstat';
import { bareAlertSignal, bareWorkflow } from './bare-workflow';
import { pool } from './stats';

export interface StormShape {
  fingerprints: number;
  deliveries: number;
  concurrency: number;
}

export interface TemporalLimit {
  /** Start → first activity started, ms, one workflow at a time. */
  firstActivity: number[];
  /** Client-side latency of each start in the storm shape, ms. */
  startLatency: number[];
  startsPerS: number;
  signalsPerS: number;
  /** The storm shape's whole rate: the limit of accepted alerts/s. */
  perS: number;
  /** CPU seconds per workflow (start + its share of signals): server, and this process (client + worker). */
  serverCpuPerWorkflow: number;
  clientCpuPerWorkflow: number;
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

let quiet = false;
/** Worker state changes and task warnings are not figures: only warnings of the SDK itself show. */
export function quietRuntime(): void {
  if (quiet) return;
  quiet = true;
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: 'ERROR' } } });
}

/** The bare client loop and worker against `address`; every workflow is terminated afterwards. */
export async function measureTemporalLimit(opts: {
  address: string;
  namespace: string;
  prefix: string;
  shape: StormShape;
  sequential: number;
  alert: unknown;
  serverPid?: number;
}): Promise<TemporalLimit> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address: opts.address });
  const client = new TemporalClient({ connection, namespace: opts.namespace });
  const taskQueue = `${opts.prefix}-bare`;
  const entered = new Map<string, () => void>();
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('./bare-workflow'),
      logger: new DefaultLogger('WARN'),
    }),
    activities: { first: async (id: string) => entered.get(id)?.() },
  });
  const running = worker.run();
  const ids: string[] = [];
  try {
    const firstActivity: number[] = [];
    for (let i = 0; i <= opts.sequential; i++) {
      const workflowId = `${opts.prefix}-bare-seq-${i}`;
      ids.push(workflowId);
      const reached = new Promise<void>((r) => entered.set(workflowId, r));
      const t0 = performance.now();
      await client.workflow.start(bareWorkflow, { workflowId, taskQueue, args: [true, opts.alert] });
      await reached;
      if (i > 0) firstActivity.push(performance.now() - t0); // the first one warms the worker
    }

    const { shape } = opts;
    const stormIds = Array.from({ length: shape.fingerprints }, (_, i) => `${opts.prefix}-bare-${i}`);
    ids.push(...stormIds);
    const startLatency: number[] = [];
    const cpu0 = { server: opts.serverPid ? cpuSeconds(opts.serverPid) : NaN, self: cpuNow() };
    const t0 = performance.now();
    let lastStart = t0;
    await pool(shape.deliveries, shape.concurrency, async (seq) => {
      const workflowId = stormIds[seq % stormIds.length] as string;
      if (seq < stormIds.length) {
        const t = performance.now();
        // The engine's start-or-join call (apps/intake/signal-with-start.ts): start with the delivery as a signal.
        await client.workflow.signalWithStart(bareWorkflow, {
          workflowId,
          taskQueue,
          args: [false, opts.alert],
          signal: bareAlertSignal,
          signalArgs: [opts.alert],
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
        lastStart = performance.now();
        startLatency.push(lastStart - t);
      } else {
        await client.workflow.getHandle(workflowId).signal(bareAlertSignal, opts.alert);
      }
    });
    const t1 = performance.now();
    const server = opts.serverPid ? cpuSeconds(opts.serverPid) - cpu0.server : NaN;
    const self = cpuNow() - cpu0.self;
    return {
      firstActivity,
      startLatency,
      startsPerS: stormIds.length / ((lastStart - t0) / 1000),
      signalsPerS: (shape.deliveries - stormIds.length) / ((t1 - lastStart) / 1000),
      perS: shape.deliveries / ((t1 - t0) / 1000),
      serverCpuPerWorkflow: server / stormIds.length,
      clientCpuPerWorkflow: self / stormIds.length,
    };
  } finally {
    worker.shutdown();
    await running;
    await pool(ids.length, 16, (i) =>
      client.workflow
        .getHandle(ids[i] as string)
        .terminate('bench:engine limit measured')
        .catch(() => undefined),
    );
    await connection.close();
  }
}

/** Bare ssh2: one connection, `runs` sequential execs of a trivial command; ms each. */
export async function measureSshLimit(opts: {
  host: string;
  port: number;
  user: string;
  keyFile: string;
  runs: number;
}): Promise<number[]> {
  const conn = new SshClient();
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', () => resolve());
    conn.once('error', reject);
    conn.connect({
      host: opts.host,
      port: opts.port,
      username: opts.user,
      privateKey: readFileSync(opts.keyFile),
    });
    conn.setNoDelay(true);
  });
  const exec = () =>
    new Promise<void>((resolve, reject) =>
      conn.exec('echo ok', (err, ch) => {
        if (err) return reject(err);
        ch.resume();
        ch.stderr.resume();
        ch.once('close', () => resolve());
      }),
    );
  try {
    for (let i = 0; i < 10; i++) await exec();
    const ms: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const t = performance.now();
      await exec();
      ms.push(performance.now() - t);
    }
    return ms;
  } finally {
    conn.end();
  }
}
