/**
 * What identifies one incident among the runs of its workflow id: the memo the starting intake
 * gives the run (carried over by Temporal on continue-as-new), read back by any process with a
 * describe — a call the server answers from the run's record, without a worker.
 */
import type { Client, WorkflowExecutionDescription, WorkflowExecutionInfo } from '@temporalio/client';
import type { AlertInstance } from '../../contracts/alert';

/** The memo of an incident run. */
export interface IncidentMemo {
  /** The incident's id (the workflow id plus its opening time). */
  incidentId: string;
  /** `startsAt` of the alert that opened it: a resolved delivery that ended before this is stale. */
  firingSince: string;
}

/** One run (chain of runs, across continue-as-new) of an incident workflow, as intakes cache it. */
export interface IncidentRun {
  workflowId: string;
  runId: string;
  incidentId: string;
  firingSince?: string;
}

export function incidentMemo(incidentId: string, alert: AlertInstance): IncidentMemo {
  return { incidentId, firingSince: alert.startsAt };
}

/**
 * The incident id a run carries: its memo's, or — for runs started before incident ids had an
 * opening time — the workflow id itself.
 */
export function incidentIdOf(w: Pick<WorkflowExecutionInfo, 'workflowId' | 'memo'>): string {
  const id = w.memo?.incidentId;
  return typeof id === 'string' && id !== '' ? id : w.workflowId;
}

export function runOf(d: WorkflowExecutionDescription | WorkflowExecutionInfo): IncidentRun {
  const since = d.memo?.firingSince;
  return {
    workflowId: d.workflowId,
    runId: d.runId,
    incidentId: incidentIdOf(d),
    ...(typeof since === 'string' ? { firingSince: since } : {}),
  };
}

/** Describes the current run under `workflowId` (or run `runId`): which incident it is, and whether it runs. */
export async function describeRun(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<IncidentRun & { running: boolean }> {
  const d = await client.workflow.getHandle(workflowId, runId).describe();
  return {
    ...runOf(d),
    running: d.status.name === 'RUNNING',
  };
}
