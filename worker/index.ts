/**
 * The Firebreak worker: polls the incident task queue, running the incident workflow and the
 * activities from {@link createActivities}. `startWorker` is what the engine (`npm start`) calls
 * in-process; worker/main.ts wraps it as a standalone process.
 */
import { Worker } from '@temporalio/worker';
import type { NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { createActivities } from '../activities';
import type { IncidentActivities } from '../activities/types';
import { connectTemporal } from '../services/config/temporal';
import type { FirebreakConfig } from '../services/config/types';
import { SecretStore } from '../services/secrets';
import { createSshExecutor } from '../services/transport/client';
import { bundleWorkflows, prebuiltBundle } from './bundle';
import { workerLimits, workerTuning } from './tuning';

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
  /** Where the tuning variables are read (default `process.env`), see tuning.ts. */
  env?: NodeJS.ProcessEnv;
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

/** Creates and starts a worker; resolves once it is polling. */
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
    const activities =
      deps.activities ??
      createActivities({
        config,
        ...given,
        secrets,
        ...(ownSsh ? { transports: { ...(given.transports ?? {}), ssh: ownSsh } } : {}),
      });
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: deps.taskQueue ?? config.temporal.taskQueue,
      // Prebuilt by `npm run build` when running from dist/ (see bundle.ts), else bundled here.
      workflowBundle: deps.workflowBundle ?? prebuiltBundle() ?? (await bundleWorkflows()),
      activities,
      ...workerLimits(workerTuning(deps.env)),
      shutdownGraceTime: deps.shutdownGraceTime ?? '10s',
    });
    const done = worker.run().finally(async () => {
      await ownSsh?.close();
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
