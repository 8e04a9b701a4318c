/**
 * A decision sent as a workflow update is sent again, with the same update id, after a transient
 * server error (apps/intake/update-retry.ts) — and the premise that makes that safe holds on a
 * real Temporal dev server: an update sent twice with one id is applied once, and the second call
 * gets the first one's outcome.
 */
import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { executeUpdateRetrying } from '../../apps/intake/update-retry';
import { approveUpdate, stateQuery } from '../../workflows/definitions';
import { incidentWorkflowV2 } from '../../workflows/incident';
import { createDevServerEnv, workflowBundle } from '../support/temporal';
import { fakeActivities } from '../workflow/support/fakes';
import { commandStep, makeInput, makePlan, remediation } from '../workflow/support/plans';

const alice = { person: 'alice', channel: 'api' as const };
const decision = { stepId: 'restart', actor: alice };

/** A handle whose executeUpdate answers from `script`, one entry per call, and records the options. */
function scriptedHandle(script: (() => unknown)[]): { handle: WorkflowHandle; ids: string[] } {
  const ids: string[] = [];
  const handle = {
    executeUpdate: (_def: unknown, opts: { updateId: string }) => {
      ids.push(opts.updateId);
      const next = script.shift();
      if (!next) throw new Error('no more scripted answers');
      return Promise.resolve().then(next);
    },
  } as unknown as WorkflowHandle;
  return { handle, ids };
}

const unavailable = () => {
  throw new ServiceError('Workflow Update failed');
};

describe('deciding through a workflow update', () => {
  it('sends the update again with the same id after a transient server error', async () => {
    const { handle, ids } = scriptedHandle([unavailable, unavailable, () => 'state after']);
    await expect(
      executeUpdateRetrying(handle, approveUpdate, decision, { attempts: 4, backoffMs: 1 }),
    ).resolves.toBe('state after');
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
  });

  it('gives up after its attempts and passes the server error on', async () => {
    const { handle, ids } = scriptedHandle([unavailable, unavailable]);
    await expect(
      executeUpdateRetrying(handle, approveUpdate, decision, { attempts: 2, backoffMs: 1 }),
    ).rejects.toThrow(ServiceError);
    expect(ids).toHaveLength(2);
  });

  it('never sends a refused decision again', async () => {
    const refused = () => {
      throw new WorkflowUpdateFailedError('Workflow Update failed', new Error('already approved'));
    };
    const { handle, ids } = scriptedHandle([refused, () => 'never']);
    await expect(
      executeUpdateRetrying(handle, approveUpdate, decision, { attempts: 4, backoffMs: 1 }),
    ).rejects.toThrow(WorkflowUpdateFailedError);
    expect(ids).toHaveLength(1);
  });

  describe('on a real Temporal dev server', () => {
    let env: TestWorkflowEnvironment;
    beforeAll(async () => {
      env = await createDevServerEnv();
    }, 240_000);
    afterAll(async () => {
      await env?.teardown();
    });

    it('applies an update sent twice with one id once, and answers the second with the first outcome', async () => {
      const taskQueue = 'intake-update-retry';
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: fakeActivities(),
      });
      const plan = makePlan({
        diagnostics: [
          { parallel: false, steps: [{ step: commandStep('check', 'true'), onFailure: 'continue' }] },
        ],
        remediations: [remediation('restart', 'systemctl restart svc', { approval: 'required' })],
        resolution: { mode: 'human', timeoutMs: 30 * 60_000 },
      });
      const input = makeInput(plan);
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(incidentWorkflowV2, {
          args: [input],
          taskQueue,
          workflowId: input.incidentId,
        });
        for (let i = 0; i < 200; i++) {
          if ((await handle.query(stateQuery)).status === 'awaiting_approval') break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const opts = { args: [decision] as [typeof decision], updateId: 'decision-1' };
        const first = await handle.executeUpdate(approveUpdate, opts);
        const again = await handle.executeUpdate(approveUpdate, opts);
        expect(again.steps.find((s) => s.id === 'restart')?.decidedBy).toEqual(
          first.steps.find((s) => s.id === 'restart')?.decidedBy,
        );
        const s = await handle.query(stateQuery);
        expect(s.timeline.filter((e) => e.kind === 'approved')).toHaveLength(1);
        // Without the id it would be a second decision, and refused as one.
        await expect(handle.executeUpdate(approveUpdate, { args: [decision] })).rejects.toThrow(
          WorkflowUpdateFailedError,
        );
        await handle.terminate('test over');
      });
    });
  });
});
