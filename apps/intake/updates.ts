/**
 * A person's action on an incident (ack, note, approve, reject, close) as one workflow update,
 * shared by the JSON API and the console. The workflow's validators decide whether the person
 * may; a refusal is recorded on the incident's audit trail before it is rethrown to the caller.
 */
import type { Client } from '@temporalio/client';
import type { Actor, IncidentState, RefusalSignal } from '../../contracts/incident';
import { ackUpdate, approveUpdate, closeUpdate, noteUpdate, rejectUpdate } from '../../workflows/definitions';
import { recordRefusal, updateRefusal } from './audit';
import { handleOfIncident } from './incident-lookup';
import { executeUpdateRetrying } from './update-retry';
import type { IntakeMetrics } from './metrics';

export type IncidentAction = RefusalSignal['action'];

/** What an action carries besides who acts (fields an action does not use are ignored). */
export interface ActionFields {
  stepId?: string;
  comment?: string;
  text?: string;
  outcome?: 'resolved' | 'failed';
}

async function run(client: Client, id: string, action: IncidentAction, actor: Actor, f: ActionFields) {
  const handle = await handleOfIncident(client, id);
  const comment = f.comment ? { comment: f.comment } : {};
  switch (action) {
    case 'ack':
      return executeUpdateRetrying(handle, ackUpdate, { actor, ...comment });
    case 'note':
      return executeUpdateRetrying(handle, noteUpdate, { actor, text: f.text ?? '' });
    case 'approve':
    case 'reject':
      return executeUpdateRetrying(handle, action === 'approve' ? approveUpdate : rejectUpdate, {
        stepId: f.stepId ?? '',
        actor,
        ...comment,
      });
    case 'close':
      return executeUpdateRetrying(handle, closeUpdate, {
        actor,
        outcome: f.outcome ?? 'resolved',
        ...comment,
      });
  }
}

/** Runs the action as `actor`; returns the incident after it. A refusal is recorded, then thrown. */
export async function act(
  client: Client,
  metrics: IntakeMetrics,
  id: string,
  action: IncidentAction,
  actor: Actor,
  fields: ActionFields,
): Promise<IncidentState> {
  const decision = action === 'approve' || action === 'reject' ? action : undefined;
  try {
    const state = await run(client, id, action, actor, fields);
    if (decision) metrics.approvals.inc({ decision, channel: actor.channel, outcome: 'accepted' });
    return state;
  } catch (err) {
    if (decision) metrics.approvals.inc({ decision, channel: actor.channel, outcome: 'refused' });
    const reason = updateRefusal(err);
    if (reason) {
      await recordRefusal(client, id, {
        actor,
        action,
        ...(fields.stepId ? { stepId: fields.stepId } : {}),
        reason,
      });
    }
    throw err;
  }
}
