/**
 * What the CLI says when the workflow refuses a decision. The refusal's type (contracts/refusals.ts)
 * chooses the words: a step that is not awaiting a decision is explained from the incident's state
 * (skipped by its condition, already decided, already ran, expired…), so a person reads the real
 * reason and never a hint of a permission problem that is not there.
 */
import { handleOfIncident, incidentState } from '../intake/incident-lookup';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { IncidentState, StepRecord } from '../../contracts/incident';
import { REFUSAL_TYPES } from '../../contracts/refusals';
import { stateQuery } from '../../workflows/definitions';
import { updateRefusal } from '../intake/audit';
import { refusalType } from '../intake/errors';

/** A refused update, with the reason to print and to record on the incident's audit trail. */
export class RefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RefusedError';
  }
}

function decided(rec: StepRecord): string | undefined {
  const d = rec.decidedBy;
  return d ? `step ${rec.id} was already ${d.decision} by ${d.person} (${d.channel}) at ${d.at}` : undefined;
}

function skipped(rec: StepRecord): string {
  const c = rec.condition;
  if (!c) return `step ${rec.id} was skipped; there is nothing to approve`;
  if (c.error)
    return `step ${rec.id} was skipped: its condition \`${c.expr}\` could not be evaluated (${c.error})`;
  return `step ${rec.id} was skipped: its condition \`${c.expr}\` was false, so there is nothing to approve`;
}

/** Why step `stepId` of `s` takes no decision now, from the step's own record. */
export function whyNotAwaiting(s: IncidentState, stepId: string): string {
  const rec = s.steps.find((x) => x.id === stepId && x.phase === 'remediation');
  const waiting = s.pendingApprovals.map((p) => p.stepId);
  if (!rec) {
    const now = waiting.length
      ? `steps awaiting a decision: ${waiting.join(', ')}`
      : 'no step is awaiting a decision';
    return `incident ${s.id} has not asked for a decision on step ${stepId} (it is ${s.status}; ${now})`;
  }
  const already = decided(rec);
  if (already) return already;
  switch (rec.status) {
    case 'skipped':
      return skipped(rec);
    case 'expired':
      return `the approval request for step ${rec.id} expired before anyone decided; the incident escalated`;
    case 'cancelled':
      return `step ${rec.id} was cancelled: the incident ended (${s.status})`;
    case 'pending':
      return `step ${rec.id} has not asked for approval yet (the incident is ${s.status})`;
    case 'running':
    case 'succeeded':
    case 'failed':
      return `step ${rec.id} ${rec.automated ? 'ran without approval (approval: auto)' : 'already ran'} and ${rec.status === 'running' ? 'is running' : rec.status}`;
    default:
      return `step ${rec.id} is ${rec.status}`;
  }
}

/**
 * An update to an incident whose workflow has finished answers "not found", although the incident
 * is right there: say that it has ended, and how. Undefined when it really does not exist.
 */
async function ended(client: Client, incidentId: string): Promise<string | undefined> {
  try {
    const handle = await handleOfIncident(client, incidentId);
    const d = await handle.describe();
    let status = d.status.name.toLowerCase();
    try {
      status = (await handle.query(stateQuery)).status;
    } catch {
      // no worker to answer for a closed run: the execution status will do
    }
    return `incident ${incidentId} has ended (${status}) and takes no more actions`;
  } catch {
    return undefined;
  }
}

/**
 * The reason to show for a refused update: the step's story for StepNotAwaitingApproval (when the
 * state can be read), else the validator's own message, which names the real reason; an ended
 * incident says so. Undefined when `err` is no refusal (a transport failure, an unknown incident…).
 */
export async function explainRefusal(
  err: unknown,
  client: Client,
  incidentId: string,
  stepId: string | undefined,
): Promise<string | undefined> {
  if (err instanceof WorkflowNotFoundError) return ended(client, incidentId);
  const message = updateRefusal(err);
  if (message === undefined) return undefined;
  const type = err instanceof WorkflowUpdateFailedError ? refusalType(err) : undefined;
  if (type !== REFUSAL_TYPES.stepNotAwaitingApproval || stepId === undefined) return message;
  try {
    return whyNotAwaiting(await incidentState(client, incidentId), stepId);
  } catch {
    return message;
  }
}
