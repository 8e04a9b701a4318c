/**
 * The Firebreak worker: polls the incident task queue, running the incident workflow and the
 * activities from {@link createActivities}. `startWorker` is what the engine (`npm start`) calls
 * in-process; worker/main.ts wraps it as a standalone process.
 */
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import type { NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { createActivities } from '../activities';
import type { IncidentActivities, LocalHost } from '../activities/types';
import { workerSettings } from '../services/config';
import { hostTaskQueue } from '../services/config/cluster';
import { connectTemporal } from '../services/config/temporal';
import type { FirebreakConfig } from '../services/config/types';
import { SecretStore } from '../services/secrets';
import { createSshExecutor } from '../services/transport/client';
import type { Executor } from '../services/transport/transport';

export { connectTemporal, DEFAULT_TEMPORAL_ADDRESS } from '../services/config/temporal';

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

/** The activities a worker runs: the given set, or the real ones, answering `pinLocalHost` with this machine. */
function activitiesFor(
  config: FirebreakConfig,
  deps: WorkerDeps,
  localHost: LocalHost,
  ownSsh: Executor | undefined,
  secrets: SecretStore,
): IncidentActivities {
  const pinLocalHost = async (): Promise<LocalHost> => localHost;
  if (deps.activities) return { ...deps.activities, pinLocalHost };
  const given = deps.activityDeps ?? {};
  return createActivities({
    config,
    ...given,
    secrets,
    localHost,
    ...(ownSsh ? { transports: { ...(given.transports ?? {}), ssh: ownSsh } } : {}),
  });
}

/**
 * Creates and starts a worker; resolves once it is polling. Two pollers share its activities:
 * the cluster's task queue (workflows and activities) and this machine's own queue
 * (`<queue>@<hostId>`, activities only), where incidents pinned here send their local steps.
 */
export async function startWorker(config: FirebreakConfig, deps: WorkerDeps = {}): Promise<RunningWorker> {
  const ownConnection = !deps.connection;
  const connection = deps.connection ?? (await connectTemporal(config));
  try {
    // The worker owns the SSH connection pool (unless a caller passed transports), so it can close
    // pooled connections at shutdown instead of leaving them to process exit.
    const given = deps.activityDeps ?? {};
    const secrets = given.secrets ?? new SecretStore(config.secrets);
    const ownSsh =
      deps.activities || given.transports?.ssh ? undefined : createSshExecutor({ ssh: config.ssh, secrets });
    const taskQueue = deps.taskQueue ?? config.temporal.taskQueue;
    const { hostId } = workerSettings(config);
    const localHost: LocalHost = { hostId, taskQueue: hostTaskQueue(taskQueue, hostId) };
    const activities = activitiesFor(config, deps, localHost, ownSsh, secrets);
    const maxActivities = deps.maxConcurrentActivityTaskExecutions ?? 20;
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      // Bundled once here, quietly: webpack's per-module report is noise on an operator's console.
      workflowBundle:
        deps.workflowBundle ??
        (await bundleWorkflowCode({
          workflowsPath: require.resolve('../workflows'),
          logger: new DefaultLogger('WARN'),
        })),
      activities,
      maxConcurrentActivityTaskExecutions: maxActivities,
      maxConcurrentWorkflowTaskExecutions: deps.maxConcurrentWorkflowTaskExecutions ?? 10,
      shutdownGraceTime: deps.shutdownGraceTime ?? '10s',
    });
    const hostWorker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: localHost.taskQueue!,
      activities,
      maxConcurrentActivityTaskExecutions: maxActivities,
      shutdownGraceTime: deps.shutdownGraceTime ?? '10s',
    });
    const both = [worker, hostWorker];
    const stopBoth = () => {
      for (const w of both) if (w.getState() === 'RUNNING') w.shutdown();
    };
    // If one poller crashes, the other is stopped too: a half worker would look healthy.
    const runs = both.map((w) =>
      w.run().catch((e: unknown) => {
        stopBoth();
        throw e;
      }),
    );
    const done = Promise.allSettled(runs).then(async (results) => {
      await ownSsh?.close();
      if (ownConnection) await connection.close();
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    let stopping: Promise<void> | undefined;
    return {
      worker,
      done,
      shutdown() {
        stopping ??= (async () => {
          stopBoth();
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
