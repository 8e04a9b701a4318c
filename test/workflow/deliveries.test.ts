/**
 * Issue #15, findings 3 and 4 on the real time-skipping test server: later deliveries act only
 * when they carry the incident's labels, identical resends are only counted, and a flood of
 * deliveries while a remediation waits for approval continues-as-new instead of growing one
 * history towards Temporal's limit — the incident then finishes, with its report.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { IncidentState } from '../../contracts/incident';
import { STATE_QUERY } from '../../activities/report';
import { alertSignal, approveUpdate, stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { fakeActivities, type FakeActivities } from './support/fakes';
import { useTimeSkippingWorker } from './support/harness';
import { commandStep, makeAlert, makeInput, makePlan, remediation } from './support/plans';

const taskQueue = 'wf-deliveries';
const acts: FakeActivities = fakeActivities();
const harness = useTimeSkippingWorker(taskQueue, () => acts);
type Handle = WorkflowHandle<typeof incidentWorkflow>;
const alice = { person: 'alice', channel: 'cli' as const };

function plan() {
  return makePlan(
    {
      diagnostics: [
        { parallel: false, steps: [{ step: commandStep('check', 'true'), onFailure: 'continue' }] },
      ],
      remediations: [
        remediation('restart', 'systemctl restart svc', {
          approval: 'required',
          approvalTimeoutMs: 60 * 60_000,
        }),
      ],
      resolution: { mode: 'verify', timeoutMs: 30 * 60_000 },
    },
    'P3',
  );
}

async function until(handle: Handle, pred: (s: IncidentState) => boolean): Promise<IncidentState> {
  for (let i = 0; i < 200; i++) {
    const s = await handle.query(stateQuery);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

async function start(continueAsNewAfterEvents?: number): Promise<Handle> {
  const input = { ...makeInput(plan()), ...(continueAsNewAfterEvents ? { continueAsNewAfterEvents } : {}) };
  const handle = await harness().env.client.workflow.start(incidentWorkflow, {
    args: [input],
    taskQueue,
    workflowId: input.incidentId,
  });
  await until(handle, (s) => s.status === 'awaiting_approval');
  return handle;
}

describe('deliveries after the first', () => {
  it('ignores a resolved delivery that carries only the fingerprint, and records it', async () => {
    const handle = await start();
    await handle.signal(alertSignal, {
      alert: makeAlert({ status: 'resolved', labels: {} }),
      receivedAt: '2026-01-01T00:05:00Z',
    });
    const s = await until(handle, (x) => x.timeline.some((t) => t.kind === 'alert_conflict'));
    expect(s.status).toBe('awaiting_approval');
    expect(s.alertResolvedAt).toBeUndefined();
    const conflict = s.timeline.find((t) => t.kind === 'alert_conflict');
    expect(conflict?.data).toEqual({
      receivedAt: '2026-01-01T00:05:00Z',
      status: 'resolved',
      labels: ['alertname', 'instance'],
    });
    await handle.executeUpdate(approveUpdate, { args: [{ stepId: 'restart', actor: alice }] });
    expect((await handle.result()).status).toBe('resolved');
  });

  it('records a firing delivery with other labels as a conflict, and lets the real resolved cancel', async () => {
    const handle = await start();
    await handle.signal(alertSignal, {
      alert: makeAlert({ labels: { alertname: 'TestAlert', instance: 'elsewhere' } }),
      receivedAt: '2026-01-01T00:03:00Z',
    });
    await handle.signal(alertSignal, {
      alert: makeAlert({ status: 'resolved' }),
      receivedAt: '2026-01-01T00:06:00Z',
    });
    const final = await handle.result();
    expect(final.status).toBe('cancelled');
    expect(final.alertCount).toBe(1);
    expect(final.alertConflicts).toBe(1);
    expect(final.timeline.find((t) => t.kind === 'alert_conflict')?.message).toMatch(
      /firing delivery ignored: its labels differ from the incident's \(instance\)/,
    );
  });

  it('counts identical resends without putting them on the timeline', async () => {
    const handle = await start();
    for (let i = 0; i < 5; i++) {
      await handle.signal(alertSignal, { alert: makeAlert(), receivedAt: `2026-01-01T00:0${i}:30Z` });
    }
    const s = await until(handle, (x) => x.alertCount === 6);
    expect(s.timeline.filter((t) => t.kind === 'alert_repeated')).toHaveLength(0);
    expect(s.alertLast?.receivedAt).toBe('2026-01-01T00:04:30Z');
    await handle.terminate('test done');
  });

  it('continues-as-new while awaiting approval when deliveries grow the history, then finishes with its report', async () => {
    const handle = await start(80);
    const firstRun = (await handle.describe()).runId;
    for (let i = 0; i < 60; i++) {
      await handle.signal(alertSignal, {
        alert: makeAlert({ annotations: { summary: `value ${i}` } }),
        receivedAt: '2026-01-01T00:10:00Z',
      });
    }
    const s = await until(handle, (x) => x.alertCount === 61);
    // The hand-over waits for notices in flight (combined per person within a few seconds).
    let runId = firstRun;
    for (let i = 0; i < 300 && runId === firstRun; i++) {
      await new Promise((r) => setTimeout(r, 100));
      runId = (await handle.describe()).runId;
    }
    expect(runId).not.toBe(firstRun);
    expect(s.status).toBe('awaiting_approval');
    expect(s.pendingApprovals.map((p) => p.stepId)).toEqual(['restart']);
    await handle.executeUpdate(approveUpdate, { args: [{ stepId: 'restart', actor: alice }] });
    const final = await handle.result();
    expect(final.status).toBe('resolved');
    expect(final.steps.filter((x) => x.id === 'check')).toHaveLength(1);
    expect(final.steps.find((x) => x.id === 'restart')?.status).toBe('succeeded');
    expect(final.report).toBeDefined();
    // The report activity gets the incident id, not the state: that stays out of history.
    const report = acts.reports.find((r) => r.incidentId === final.id);
    expect(report).toBeDefined();
    expect(report?.state).toBeUndefined();
  });

  it("the report activity reads the state by the workflow's own query name", () => {
    expect(STATE_QUERY).toBe(stateQuery.name);
  });
});
