/**
 * Reporting refused decisions to the incident: a validator's refusal leaves nothing in workflow
 * history, so the client that was refused (intake API, approval link, CLI) signals it for the
 * audit trail. Best effort: the refusal itself has already been answered.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { RefusalSignal } from '../../contracts/incident';
import { refusalSignal } from '../../workflows/definitions';
import { handleOfIncident } from './incident-lookup';

export async function recordRefusal(
  client: Client,
  incidentId: string,
  refusal: RefusalSignal,
): Promise<void> {
  try {
    await (await handleOfIncident(client, incidentId)).signal(refusalSignal, refusal);
  } catch {
    // The incident may have closed meanwhile; the refusal was still returned to the caller.
  }
}

/** The validator's reason when an update was refused, else undefined (a transport failure). */
export function updateRefusal(err: unknown): string | undefined {
  if (err instanceof WorkflowUpdateFailedError) return err.cause?.message ?? err.message;
  return undefined;
}
