/**
 * The shipped workflow bundle captures no stack traces in the workflow sandbox
 * (workflows/stack-traces.ts): the SDK's promise hook then has no frames to map through the
 * source map, which was a third of the workflow thread's CPU in an alert storm. The SDK's
 * `__stack_trace` query shows the difference: frames with the SDK's default, none with ours.
 */
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { resolve } from 'node:path';
import { stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { fakeActivities } from './support/fakes';
import { useTimeSkippingWorker } from './support/harness';
import { commandStep, makeInput, makePlan, remediation } from './support/plans';

const taskQueue = 'wf-stack-traces';
const harness = useTimeSkippingWorker(taskQueue, () => fakeActivities());

function plan() {
  return makePlan(
    {
      diagnostics: [
        { parallel: false, steps: [{ step: commandStep('check', 'true'), onFailure: 'continue' }] },
      ],
      remediations: [remediation('restart', 'systemctl restart svc', { approval: 'required' })],
      resolution: { mode: 'verify', timeoutMs: 30 * 60_000 },
    },
    'P3',
  );
}

/** Starts an incident on `queue` and answers the SDK's stack-trace query once it awaits approval. */
async function stackTraceOfWaitingIncident(queue: string): Promise<string> {
  const input = makeInput(plan());
  const handle = await harness().env.client.workflow.start(incidentWorkflow, {
    args: [input],
    taskQueue: queue,
    workflowId: `${input.incidentId}-${queue}`,
  });
  for (let i = 0; i < 200; i++) {
    if ((await handle.query(stateQuery)).status === 'awaiting_approval') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const trace = await handle.query<string>('__stack_trace');
  await handle.terminate('test over');
  return trace;
}

describe('stack traces in the workflow sandbox', () => {
  it('are not captured by the bundle the worker ships', async () => {
    const trace = await stackTraceOfWaitingIncident(taskQueue);
    expect(trace).not.toMatch(/\bat \S/);
  });

  it('are captured with the SDK default, so the query above could have shown frames', async () => {
    const queue = `${taskQueue}-sdk-default`;
    const worker = await Worker.create({
      connection: harness().env.nativeConnection,
      taskQueue: queue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: resolve(__dirname, '../../workflows/index.ts'),
        logger: new DefaultLogger('WARN'),
      }),
      activities: fakeActivities(),
    });
    const trace = await worker.runUntil(stackTraceOfWaitingIncident(queue));
    expect(trace).toMatch(/\bat \S/);
  });
});
