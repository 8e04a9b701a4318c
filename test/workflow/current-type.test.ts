/**
 * The current incident workflow type (`incidentWorkflowV2`, workflows/incident/versions.ts) on the
 * real time-skipping test server: the same incident as the first type with a shorter history —
 * no patch markers or their search-attribute upserts, the on-call lookup, the local-host pin,
 * mail and the report as local activities (one marker each) — and the page asking for approval
 * goes out at once, combined with the opening notice, instead of after the combining window.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { NotificationBatchInput } from '../../contracts/notifications';
import { approveUpdate, INCIDENT_WORKFLOW, stateQuery } from '../../workflows/definitions';
import { incidentWorkflow, incidentWorkflowV2 } from '../../workflows/incident';
import { fakeActivities, type FakeActivities } from './support/fakes';
import { useTimeSkippingWorker } from './support/harness';
import { commandStep, makeInput, makePlan, remediation } from './support/plans';

const taskQueue = 'wf-current-type';
const acts: FakeActivities = fakeActivities();
const harness = useTimeSkippingWorker(taskQueue, () => acts);
const alice = { person: 'alice', channel: 'api' as const };
const EventType = temporal.api.enums.v1.EventType;

/** Diagnose, approve, remediate with a verify, resolve: the "simple incident". */
function simplePlan() {
  return makePlan(
    {
      diagnostics: [
        { parallel: false, steps: [{ step: commandStep('disk', 'df -P /tmp'), onFailure: 'continue' }] },
      ],
      remediations: [
        remediation('cleanup', 'true', {
          approval: 'required',
          verify: { steps: [commandStep('probe', 'true')], attempts: 1, intervalMs: 1000 },
        }),
      ],
      resolution: { mode: 'verify', timeoutMs: 30 * 60_000 },
    },
    'P2',
  );
}

async function runToEnd(
  type: typeof incidentWorkflow,
  id: string,
): Promise<{ history: temporal.api.history.v1.IHistory; mailsAtApproval: number }> {
  const input = { ...makeInput(simplePlan()), incidentId: id };
  const handle: WorkflowHandle<typeof incidentWorkflow> = await harness().env.client.workflow.start(type, {
    args: [input],
    taskQueue,
    workflowId: id,
  });
  const mine = () => acts.notifications.filter((n) => 'incidentId' in n && n.incidentId === id);
  const asked = () =>
    mine().some(
      (n) => 'mails' in n && n.mails.some((m) => m.notices.some((x) => x.kind === 'approval_needed')),
    );
  for (let i = 0; i < 200; i++) {
    // The current type pages at once, so its wait needs no query (the time-skipping server
    // records a workflow task for each query, which would lengthen the history measured here).
    if (
      type === incidentWorkflowV2 ? asked() : (await handle.query(stateQuery)).status === 'awaiting_approval'
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const mailsAtApproval = mine().length;
  await handle.executeUpdate(approveUpdate, { args: [{ stepId: 'cleanup', actor: alice }] });
  expect((await handle.result()).status).toBe('resolved');
  return { history: await handle.fetchHistory(), mailsAtApproval };
}

const count = (h: temporal.api.history.v1.IHistory, t: number) =>
  (h.events ?? []).filter((e) => e.eventType === t).length;
const activityTypes = (h: temporal.api.history.v1.IHistory) =>
  (h.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
const markerNames = (h: temporal.api.history.v1.IHistory) =>
  (h.events ?? []).flatMap((e) => e.markerRecordedEventAttributes?.markerName ?? []);

describe('the current incident workflow type', () => {
  it('is the type the intake starts', () => {
    expect(INCIDENT_WORKFLOW).toBe(incidentWorkflowV2.name);
  });

  it('records a simple incident in at most 40 events, with no patch markers and only commands as activities', async () => {
    const { history } = await runToEnd(incidentWorkflowV2, 'incident-current-simple');
    expect(history.events?.length).toBeLessThanOrEqual(40);
    expect(count(history, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)).toBe(0);
    expect(markerNames(history).filter((m) => m === 'core_patch')).toEqual([]);
    expect(activityTypes(history)).toEqual(['runCommand', 'runCommand', 'runCommand']);
    // The first command goes ahead of other incidents' follow-up steps in a backed-up queue.
    const priorities = (history.events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes
        ? [e.activityTaskScheduledEventAttributes.priority?.priorityKey ?? 0]
        : [],
    );
    expect(priorities).toEqual([1, 0, 0]);
    // on-call lookup, mails and the report: local activities, one marker each.
    expect(markerNames(history).filter((m) => m === 'core_local_activity').length).toBeGreaterThanOrEqual(3);
    const mail = acts.notifications.find(
      (n): n is NotificationBatchInput => 'mails' in n && n.incidentId === 'incident-current-simple',
    );
    expect(mail?.mails.flatMap((m) => m.notices.map((x) => x.kind))).toEqual(
      expect.arrayContaining(['opened', 'approval_needed']),
    );
    expect(acts.reports.some((r) => r.state?.id === 'incident-current-simple')).toBe(true);
  });

  it('pages for the approval before the combining window ends, where the first type waits it out', async () => {
    const current = await runToEnd(incidentWorkflowV2, 'incident-current-page');
    const first = await runToEnd(incidentWorkflow, 'incident-first-page');
    expect(current.mailsAtApproval).toBe(1);
    // The first type's window is a durable timer; its page is sent when the timer fires.
    expect(count(first.history, EventType.EVENT_TYPE_TIMER_FIRED)).toBeGreaterThan(
      count(current.history, EventType.EVENT_TYPE_TIMER_FIRED),
    );
    expect(first.history.events!.length - current.history.events!.length).toBeGreaterThanOrEqual(20);
  });
});
