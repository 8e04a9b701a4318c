/**
 * Approvals, rejections, expiry and alert resolution on the real time-skipping test server.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { IncidentState } from '../../contracts/incident';
import {
  alertSignal,
  approveUpdate,
  closeUpdate,
  noteUpdate,
  rejectUpdate,
  stateQuery,
} from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { REFUSAL_TYPES } from '../../contracts/refusals';
import { fakeActivities, noticesOf, type FakeActivities } from './support/fakes';
import { useTimeSkippingWorker } from './support/harness';
import { commandStep, makeAlert, makeInput, makePlan, remediation } from './support/plans';
import { updateRefusal } from './support/refusals';

const taskQueue = 'wf-approvals';
const acts: FakeActivities = fakeActivities({ 'broken-fix': 1 });
const harness = useTimeSkippingWorker(taskQueue, () => acts);
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = harness().env;
});

type Handle = WorkflowHandle<typeof incidentWorkflow>;

async function until(handle: Handle, pred: (s: IncidentState) => boolean): Promise<IncidentState> {
  for (let i = 0; i < 100; i++) {
    const s = await handle.query(stateQuery);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

const ran = (incidentId: string) =>
  acts.commands.filter((c) => c.incidentId === incidentId).map((c) => c.stepId);
const alice = { person: 'alice', channel: 'cli' as const };

function approvalPlan(resolution: 'verify' | 'alert_resolved' | 'human' = 'verify') {
  return makePlan(
    {
      diagnostics: [
        { parallel: false, steps: [{ step: commandStep('check', 'true'), onFailure: 'continue' }] },
      ],
      remediations: [
        remediation('restart', 'systemctl restart svc', {
          approval: 'required',
          approvalTimeoutMs: 10 * 60_000,
        }),
        remediation('cleanup', 'rm -f /tmp/x'),
      ],
      resolution: { mode: resolution, timeoutMs: 30 * 60_000 },
    },
    'P3',
  );
}

async function start(plan = approvalPlan()): Promise<{ handle: Handle; id: string }> {
  const input = makeInput(plan);
  const handle = await env.client.workflow.start(incidentWorkflow, {
    args: [input],
    taskQueue,
    workflowId: input.incidentId,
  });
  return { handle, id: input.incidentId };
}

describe('approvals on the time-skipping server', () => {
  it('runs an approved step, records who approved it, and resolves when verification passes', async () => {
    const { handle, id } = await start();
    await until(handle, (s) => s.status === 'awaiting_approval');
    await handle.executeUpdate(approveUpdate, {
      args: [{ stepId: 'restart', actor: alice, comment: 'go', nonce: 'n-1' }],
    });
    const final = await handle.result();
    expect(final.status).toBe('resolved');
    expect(ran(id)).toEqual(['check', 'restart', 'cleanup']);
    const step = final.steps.find((s) => s.id === 'restart')!;
    expect(step.status).toBe('succeeded');
    expect(step.decidedBy).toMatchObject({
      person: 'alice',
      channel: 'cli',
      decision: 'approved',
      comment: 'go',
    });
    expect(final.usedNonces).toEqual(['n-1']);
    expect(final.report?.markdownPath).toContain(id);
    expect(final.timeline.map((t) => t.kind)).toEqual(
      expect.arrayContaining([
        'alert_received',
        'approval_requested',
        'approved',
        'step_finished',
        'report_written',
      ]),
    );
  });

  it('refuses an approval from someone who is not an approver, with a reason naming them and the step, and the step keeps waiting', async () => {
    const { handle, id } = await start();
    try {
      await until(handle, (s) => s.status === 'awaiting_approval');
      const reason = await updateRefusal(
        handle.executeUpdate(approveUpdate, {
          args: [{ stepId: 'restart', actor: { person: 'carol', channel: 'email' } }],
        }),
      );
      expect(reason).toEqual({
        type: REFUSAL_TYPES.notApprover,
        message: `carol is not an approver for step restart of incident ${id}`,
      });
      const wrongStep = await updateRefusal(
        handle.executeUpdate(approveUpdate, { args: [{ stepId: 'cleanup', actor: alice }] }),
      );
      expect(wrongStep.type).toBe(REFUSAL_TYPES.stepNotAwaitingApproval);
      expect(wrongStep.message).toMatch(/step cleanup is not awaiting approval in incident/);
      const s = await handle.query(stateQuery);
      expect(s.status).toBe('awaiting_approval');
      expect(s.steps.find((x) => x.id === 'restart')?.status).toBe('awaiting_approval');
      expect(s.pendingApprovals.map((p) => p.stepId)).toEqual(['restart']);
      expect(ran(id)).toEqual(['check']);
    } finally {
      await handle.terminate('test done');
    }
  });

  it('refuses a reused approval-link nonce', async () => {
    const plan = approvalPlan();
    plan.remediations[1] = remediation('second', 'true', {
      approval: 'required',
      approvalTimeoutMs: 10 * 60_000,
    });
    const { handle } = await start(plan);
    try {
      await until(handle, (s) => s.pendingApprovals.some((p) => p.stepId === 'restart'));
      await handle.executeUpdate(approveUpdate, {
        args: [{ stepId: 'restart', actor: alice, nonce: 'once' }],
      });
      await until(handle, (s) => s.pendingApprovals.some((p) => p.stepId === 'second'));
      const reason = await updateRefusal(
        handle.executeUpdate(approveUpdate, {
          args: [{ stepId: 'second', actor: { person: 'bob', channel: 'email' }, nonce: 'once' }],
        }),
      );
      expect(reason.type).toBe(REFUSAL_TYPES.approvalLinkUsed);
      expect(reason.message).toMatch(/already used.*bob/);
    } finally {
      await handle.terminate('test done');
    }
  });

  it('skips a rejected step, records the rejection, and goes on with the next remediation', async () => {
    const { handle, id } = await start();
    await until(handle, (s) => s.status === 'awaiting_approval');
    await handle.executeUpdate(rejectUpdate, {
      args: [{ stepId: 'restart', actor: { person: 'bob', channel: 'api' }, comment: 'not now' }],
    });
    const final = await handle.result();
    expect(ran(id)).toEqual(['check', 'cleanup']);
    const step = final.steps.find((s) => s.id === 'restart')!;
    expect(step.status).toBe('rejected');
    expect(step.decidedBy).toMatchObject({ person: 'bob', decision: 'rejected', comment: 'not now' });
    expect(final.timeline.some((t) => t.kind === 'rejected' && t.actor?.person === 'bob')).toBe(true);
    expect(final.status).toBe('resolved');
  });

  it('escalates when an approval expires and never runs the step', async () => {
    const { handle, id } = await start();
    try {
      await until(handle, (s) => s.status === 'awaiting_approval');
      await env.sleep(10 * 60_000 - 1000);
      expect((await handle.query(stateQuery)).steps.find((s) => s.id === 'restart')?.status).toBe(
        'awaiting_approval',
      );
      await env.sleep(1000);
      const s = await until(handle, (st) => st.timeline.some((t) => t.kind === 'escalated'));
      expect(s.steps.find((x) => x.id === 'restart')?.status).toBe('expired');
      expect(s.status).toBe('escalated');
      expect(s.pendingApprovals).toEqual([]);
      expect(s.timeline.find((t) => t.kind === 'escalated')?.message).toMatch(/approval for restart expired/);
      await env.sleep(60 * 60_000);
      expect(ran(id)).toEqual(['check']);
      // An escalated incident ends when a human closes it.
      await handle.executeUpdate(closeUpdate, {
        args: [{ actor: { person: 'bob', channel: 'cli' }, outcome: 'resolved', comment: 'fixed by hand' }],
      });
      const final = await handle.result();
      expect(final.status).toBe('resolved');
      expect(ran(id)).toEqual(['check']);
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  });

  it('cancels the incident when the alert resolves before any remediation ran', async () => {
    const { handle, id } = await start();
    await until(handle, (s) => s.status === 'awaiting_approval');
    await handle.signal(alertSignal, {
      alert: makeAlert({ status: 'resolved', endsAt: '2026-01-01T00:05:00Z' }),
      receivedAt: '2026-01-01T00:05:01Z',
    });
    const final = await handle.result();
    expect(final.status).toBe('cancelled');
    expect(final.steps.find((s) => s.id === 'restart')?.status).toBe('cancelled');
    expect(final.pendingApprovals).toEqual([]);
    expect(ran(id)).toEqual(['check']);
    expect(final.alertResolvedAt).toBeDefined();
  });

  it('counts repeated firing deliveries and confirms resolution when the alert resolves after remediation', async () => {
    const plan = approvalPlan('alert_resolved');
    plan.remediations = [remediation('cleanup', 'true')];
    const { handle, id } = await start(plan);
    // An identical resend is only counted; one whose annotations changed goes on the timeline.
    await handle.signal(alertSignal, { alert: makeAlert(), receivedAt: '2026-01-01T00:01:00Z' });
    await handle.signal(alertSignal, {
      alert: makeAlert({ annotations: { summary: 'still failing, now worse' } }),
      receivedAt: '2026-01-01T00:02:00Z',
    });
    await until(handle, (s) => s.steps.some((x) => x.id === 'cleanup' && x.status === 'succeeded'));
    await handle.executeUpdate(noteUpdate, { args: [{ actor: alice, text: 'watching the graphs' }] });
    await handle.signal(alertSignal, {
      alert: makeAlert({ status: 'resolved' }),
      receivedAt: '2026-01-01T00:09:00Z',
    });
    const final = await handle.result();
    expect(final.status).toBe('resolved');
    expect(final.alertCount).toBe(3);
    expect(ran(id)).toEqual(['check', 'cleanup']);
    expect(final.timeline.filter((t) => t.kind === 'alert_repeated')).toHaveLength(1);
    expect(final.timeline.map((t) => t.kind)).toEqual(
      expect.arrayContaining(['alert_repeated', 'note', 'alert_resolved']),
    );
  });

  it('escalates with the evidence when a remediation fails, without retrying it', async () => {
    const plan = approvalPlan();
    plan.remediations = [remediation('broken-fix', 'false'), remediation('cleanup', 'true')];
    const { handle, id } = await start(plan);
    try {
      const s = await until(handle, (st) => st.status === 'escalated');
      expect(s.steps.find((x) => x.id === 'broken-fix')?.status).toBe('failed');
      expect(ran(id)).toEqual(['check', 'broken-fix']);
      await until(handle, (st) =>
        st.timeline.some((t) => t.kind === 'notification_sent' && t.data.kind === 'escalated'),
      );
      const kinds = acts.notifications
        .filter((n) => n.incidentId === id)
        .flatMap(noticesOf)
        .map((n) => n.kind);
      expect(kinds).toEqual(expect.arrayContaining(['opened', 'remediation_failed', 'escalated']));
    } finally {
      await handle.terminate('test done');
    }
  });
});
