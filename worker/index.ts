/**
 * The Firebreak worker: polls the incident task queue, running the incident workflow and the
 * activities from {@link createActivities}. `startWorker` is what the engine (`npm start`) calls
 * in-process; worker/main.ts wraps it as a standalone process.
 */
import { readFileSync } from 'node:fs';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { createActivities } from '../activities';
import type { IncidentActivities } from '../activities/types';
import type { FirebreakConfig } from '../config/types';

/** Default Temporal frontend when the config names none and nothing else started a server. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface WorkerDeps {
  /** Use this connection (the engine shares one); otherwise one is opened from the config. */
  connection?: NativeConnection;
  /** Full activity set (tests); otherwise built by createActivities from `activityDeps`. */
  activities?: IncidentActivities;
  activityDeps?: Omit<ActivityDeps, 'config'>;
  /** A prebuilt bundle (tests bundle once); otherwise workflows/ is bundled at start. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Override the task queue from the config. */
  taskQueue?: string;
  /** Limits, kept small by default: the box runs on 2 cores. */
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  /** Grace period for running activities at shutdown before they are cancelled. */
  shutdownGraceTime?: string;
}

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker stopped (rejects if it crashed). */
  done: Promise<void>;
  /** Graceful stop: no new tasks, running ones finish within the grace time; closes what we opened. */
  shutdown(): Promise<void>;
}

/** Opens a connection to Temporal as configured (TLS and API key included). */
export async function connectTemporal(config: FirebreakConfig): Promise<NativeConnection> {
  const t = config.temporal;
  const tls = t.tls
    ? {
        ...(t.tls.certPath && t.tls.keyPath
          ? { clientCertPair: { crt: readFileSync(t.tls.certPath), key: readFileSync(t.tls.keyPath) } }
          : {}),
        ...(t.tls.caPath ? { serverRootCACertificate: readFileSync(t.tls.caPath) } : {}),
        ...(t.tls.serverName ? { serverNameOverride: t.tls.serverName } : {}),
      }
    : undefined;
  const apiKey = t.apiKeyEnv ? process.env[t.apiKeyEnv] : undefined;
  return NativeConnection.connect({
    address: t.address ?? DEFAULT_TEMPORAL_ADDRESS,
    ...(tls ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
  });
}

/** Creates and starts a worker; resolves once it is polling. */
export async function startWorker(config: FirebreakConfig, deps: WorkerDeps = {}): Promise<RunningWorker> {
  const ownConnection = !deps.connection;
  const connection = deps.connection ?? (await connectTemporal(config));
  try {
    const activities = deps.activities ?? createActivities({ config, ...(deps.activityDeps ?? {}) });
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: deps.taskQueue ?? config.temporal.taskQueue,
      ...(deps.workflowBundle
        ? { workflowBundle: deps.workflowBundle }
        : { workflowsPath: require.resolve('../workflows') }),
      activities,
      maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivityTaskExecutions ?? 20,
      maxConcurrentWorkflowTaskExecutions: deps.maxConcurrentWorkflowTaskExecutions ?? 10,
      shutdownGraceTime: deps.shutdownGraceTime ?? '10s',
    });
    const done = worker.run().finally(async () => {
      if (ownConnection) await connection.close();
    });
    let stopping: Promise<void> | undefined;
    return {
      worker,
      done,
      shutdown() {
        stopping ??= (async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await done;
        })();
        return stopping;
      },
    };
  } catch (e) {
    if (ownConnection) await connection.close();
    throw e;
  }
}
