/**
 * The fallback path of createTimeSkippingEnv: our own time-skipping server process (used when the
 * JVM misses the SDK's start window) supports time skipping and is stopped by teardown.
 */
import { Worker } from '@temporalio/worker';
import { ensureTestServerBinary } from '../../services/provision';
import { DEFAULT_ESCALATION_MS } from '../../contracts/plan';
import { stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { quietRuntime, startOwnTestServer, waitForPort, workflowBundle } from '../support/temporal';
import { fakeActivities } from './support/fakes';
import { makeInput, makePlan } from './support/plans';

describe('a time-skipping server started by the tests themselves', () => {
  it('skips a four-hour P3 escalation timer and is gone after teardown', async () => {
    quietRuntime();
    const path = await ensureTestServerBinary();
    expect(path).toBeDefined();
    const env = await startOwnTestServer(path!);
    const port = Number(env.address.split(':').pop());
    try {
      expect(env.supportsTimeSkipping).toBe(true);
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'wf-own-server',
        workflowBundle: await workflowBundle(),
        activities: fakeActivities(),
      });
      await worker.runUntil(async () => {
        const input = makeInput(makePlan({}, 'P3'));
        const handle = await env.client.workflow.start(incidentWorkflow, {
          args: [input],
          taskQueue: 'wf-own-server',
          workflowId: input.incidentId,
        });
        for (let i = 0; i < 100 && (await handle.query(stateQuery)).oncall === undefined; i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        await env.sleep(DEFAULT_ESCALATION_MS.P3);
        let pages = 0;
        for (let i = 0; i < 100 && pages === 0; i++) {
          pages = (await handle.query(stateQuery)).timeline.filter((t) => t.kind === 'escalated').length;
          if (pages === 0) await new Promise((r) => setTimeout(r, 50));
        }
        expect(pages).toBe(1);
        await handle.terminate('test done');
      });
    } finally {
      await env.teardown();
    }
    await expect(waitForPort(port, 500)).rejects.toThrow(/nothing listening/);
  }, 180_000);
});
