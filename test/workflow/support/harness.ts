/**
 * A worker on the real time-skipping test server for one test file: `useTimeSkippingWorker` wires
 * beforeAll/afterAll and hands back the environment once it is up.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { IncidentActivities } from '../../../activities/types';
import { createTimeSkippingEnv, workflowBundle } from '../../support/temporal';

export interface Harness {
  env: TestWorkflowEnvironment;
  worker: Worker;
}

export function useTimeSkippingWorker(
  taskQueue: string,
  activities: () => IncidentActivities,
): () => Harness {
  let harness: Harness | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    const env = await createTimeSkippingEnv();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: activities(),
    });
    running = worker.run();
    harness = { env, worker };
  }, 240_000);
  afterAll(async () => {
    harness?.worker.shutdown();
    await running;
    await harness?.env.teardown();
  });
  return () => {
    if (!harness) throw new Error('the time-skipping worker is not up (beforeAll failed?)');
    return harness;
  };
}
