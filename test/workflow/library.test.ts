/**
 * Every runbook shipped in runbooks/, compiled by the real compiler, runs through the interpreter
 * to an end on the time-skipping server (commands faked: each exits 0). This catches plans the
 * workflow cannot digest — a crash here would be a stuck incident in production.
 */
import { resolve } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AlertInstance } from '../../contracts/alert';
import type { IncidentState } from '../../contracts/incident';
import { loadLibrary } from '../../frontend/library';
import type { Plan } from '../../contracts/plan';
import { approveUpdate, closeUpdate, stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { fakeActivities, ONCALL, type FakeActivities } from './support/fakes';
import { useTimeSkippingWorker } from './support/harness';
import { makeAlert, makeInput } from './support/plans';

const library = loadLibrary(resolve(__dirname, '../../runbooks'));
const taskQueue = 'wf-library';
const acts: FakeActivities = fakeActivities();
// The shipped runbooks name real on-call people; let the fixed approvers approve everything.
acts.resolveOnCall = async () => ONCALL;
const harness = useTimeSkippingWorker(taskQueue, () => acts);
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = harness().env;
});

/** An alert that satisfies the plan's equality matchers, on a loopback instance. */
function alertFor(plan: Plan): AlertInstance {
  const labels: Record<string, string> = { instance: '127.0.0.1:9100', host: '127.0.0.1', job: 'node' };
  for (const m of plan.trigger.matchers) if (m.op === 'eq') labels[m.label] = m.value;
  return makeAlert({ labels, fingerprint: `fp-${plan.runbook.id}` });
}

/**
 * In human mode the only waits are steps (running), approvals (pending), verify intervals
 * (verifying) and the final wait for a person: anything else means the person is awaited.
 */
function waitingForHuman(plan: Plan, s: IncidentState): boolean {
  return (
    plan.resolution.mode === 'human' &&
    s.status !== 'triggered' &&
    s.pendingApprovals.length === 0 &&
    s.status !== 'verifying' &&
    !s.steps.some((x) => x.status === 'running')
  );
}

describe('shipped runbooks through the interpreter', () => {
  it('compile to at least one plan', () => {
    expect(library.plans.length).toBeGreaterThan(0);
  });

  for (const plan of library.plans) {
    it(`runs ${plan.runbook.id} to an end, approving every step on the way`, async () => {
      const input = makeInput(plan, alertFor(plan));
      const handle = await env.client.workflow.start(incidentWorkflow, {
        args: [input],
        taskQueue,
        workflowId: input.incidentId,
      });
      try {
        for (let i = 0; i < 2000; i++) {
          const s = await handle.query(stateQuery);
          if (['resolved', 'failed', 'cancelled'].includes(s.status)) break;
          const pending = s.pendingApprovals[0];
          if (pending) {
            await handle.executeUpdate(approveUpdate, {
              args: [{ stepId: pending.stepId, actor: { person: 'alice', channel: 'api' } }],
            });
          } else if (s.status === 'escalated' || waitingForHuman(plan, s)) {
            await handle.executeUpdate(closeUpdate, {
              args: [{ actor: { person: 'alice', channel: 'api' }, outcome: 'resolved' }],
            });
            break;
          } else if (
            s.status === 'triggered' ||
            s.steps.some((x) => x.status === 'running' && x.command !== undefined)
          ) {
            // An activity is in flight: let it finish in real time (skipping now would stall the test server).
            await new Promise((r) => setTimeout(r, 50));
          } else {
            // Waits (wait steps, verify intervals, alert_resolved timeouts) are skipped, not slept.
            await env.sleep(60_000);
          }
        }
        const final = await handle.result();
        expect(final.status).toBe('resolved');
        expect(final.timeline.some((t) => t.message.startsWith('incident failed:'))).toBe(false);
        expect(
          final.steps.every((s) => !['running', 'pending', 'awaiting_approval'].includes(s.status)),
        ).toBe(true);
      } finally {
        await handle.terminate('test done').catch(() => undefined);
      }
    });
  }
});
