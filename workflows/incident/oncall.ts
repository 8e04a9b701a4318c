/**
 * The on-call lookup at the start of an incident, behind the patch that made it a local activity.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { hasChange } from './versions';
import type { IncidentActivities } from '../../activities/types';
import type { OnCallSnapshot } from '../../contracts/incident';
import type { Plan, Severity } from '../../contracts/plan';

/** Patch marker: the on-call lookup became a local activity. */
export const LOCAL_ONCALL_PATCH = 'local-oncall-lookup';

const { resolveOnCall } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '1s', maximumInterval: '30s' },
});
/**
 * The on-call lookup reads a local file: as a local activity it runs in the worker that holds the
 * workflow task, saving a task-queue round trip before the first diagnostic command starts.
 * Incidents started before this change replay the scheduled-activity path (see {@link LOCAL_ONCALL_PATCH}).
 */
const { resolveOnCall: resolveOnCallLocally } = proxyLocalActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1s', maximumInterval: '30s' },
});

/** Resolves who is on call for this incident (people, levels, approvers, responders, recipients). */
export function lookupOnCall(plan: Plan, severity: Severity): Promise<OnCallSnapshot> {
  const lookup = hasChange(LOCAL_ONCALL_PATCH) ? resolveOnCallLocally : resolveOnCall;
  return lookup({
    runbookId: plan.runbook.id,
    service: plan.runbook.service,
    severity,
    ...(plan.escalation.chain ? { chain: plan.escalation.chain } : {}),
    levels: plan.escalation.levels,
    notify: plan.notify,
    owners: plan.runbook.owners,
  });
}
