/**
 * Incident id → the workflow run that is (or was) that incident, for the API, approval links and
 * the CLI. Several incidents of one alert run one after another under one workflow id
 * (language/plan/context.ts); each run's memo names its incident (incident-runs.ts). The open or
 * latest one is found with a describe (consistent, no worker needed); older ones through
 * visibility, newest first. Closed incidents are read from their result, which the server keeps
 * for the namespace's retention period — no worker, and no file on any worker's disk.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client, WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import type { IncidentState } from '../../contracts/incident';
import { workflowIdOfIncident } from '../../language/plan/context';
import { stateQuery } from '../../workflows/definitions';
import type { IncidentRun } from './incident-runs';
import { describeRun, incidentIdOf, runOf } from './incident-runs';

/** One incident's run, found by id. */
export interface IncidentRef extends IncidentRun {
  running: boolean;
}

/** Visibility rows of one workflow id, newest first (a continued run's earlier runs included). */
async function runsOf(client: Client, workflowId: string): Promise<WorkflowExecutionInfo[]> {
  const quoted = workflowId.replace(/\\/gu, '\\\\').replace(/'/gu, "\\'");
  const rows: WorkflowExecutionInfo[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${quoted}'` })) rows.push(w);
  return rows.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
}

/**
 * Finds incident `id`; throws WorkflowNotFoundError (naming the incident) when no run is it.
 *
 * A bare workflow id (`incident-<runbook>-<fingerprint>`, no opening time) that is no incident's
 * own id names the incident open under it, if any: "the current incident of this alert", as
 * scripts and people address it. An exact id always wins, so an old link or mail never reaches a
 * later incident of the same alert.
 */
export async function findIncident(client: Client, id: string): Promise<IncidentRef> {
  const workflowId = workflowIdOfIncident(id);
  let current: IncidentRef | undefined;
  try {
    current = await describeRun(client, workflowId);
    if (current.incidentId === id) return current;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const row = (await runsOf(client, workflowId)).find((w) => incidentIdOf(w) === id);
  if (row) return { ...runOf(row), running: row.status.name === 'RUNNING' };
  if (id === workflowId && current?.running) return current;
  throw new WorkflowNotFoundError(`no incident ${id}`, id, undefined);
}

/** A handle on exactly that incident's run (updates and signals never reach a later incident). */
export function incidentHandle(client: Client, ref: IncidentRun): WorkflowHandle {
  return client.workflow.getHandle(ref.workflowId, ref.runId);
}

/** The handle of incident `id` (see {@link findIncident}). */
export async function handleOfIncident(client: Client, id: string): Promise<WorkflowHandle> {
  return incidentHandle(client, await findIncident(client, id));
}

/**
 * An incident's state: queried while it runs; once closed, its final state (the workflow's
 * result), falling back to a query when it ended without one (failed or terminated).
 */
export async function stateOf(client: Client, ref: IncidentRef): Promise<IncidentState> {
  const handle = incidentHandle(client, ref);
  if (ref.running) {
    try {
      return await handle.query(stateQuery);
    } catch (err) {
      // It may have closed between the lookup and the query: read the result instead.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  try {
    return (await handle.result()) as IncidentState;
  } catch {
    return handle.query(stateQuery);
  }
}

/** The state of incident `id`. */
export async function incidentState(client: Client, id: string): Promise<IncidentState> {
  return stateOf(client, await findIncident(client, id));
}
