/**
 * A person's decision sent as a workflow update survives a transient server error.
 *
 * Under load an `UpdateWorkflowExecution` call has failed with a gRPC error (the client's
 * `ServiceError` "Workflow Update failed"; seen in bench:engine, issue #17), which the intake used to
 * answer with a 503 although nothing was wrong with the decision. The call is sent again with the
 * same update id: the server deduplicates updates by id, so a first attempt that did reach the
 * workflow is answered with its outcome rather than applied twice. A refusal, a finished or unknown
 * incident, or a timeout is not retried (they are answers, not transient failures).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';

/** How often and how patiently an update is sent again after a transient server error. */
export interface UpdateRetry {
  attempts: number;
  /** Delay before attempt n + 1 is n × this. */
  backoffMs: number;
}

export const UPDATE_RETRY: UpdateRetry = { attempts: 4, backoffMs: 250 };

/** gRPC codes about the request itself: sending it again cannot help (any other may be a busy or restarting server). */
const PERMANENT_CODES = new Set([
  3 /* INVALID_ARGUMENT */, 7 /* PERMISSION_DENIED */, 12 /* UNIMPLEMENTED */, 16 /* UNAUTHENTICATED */,
]);

/** A server error worth sending the same update again for. */
function transient(err: unknown): boolean {
  if (!(err instanceof ServiceError)) return false;
  const cause = err.cause;
  return !(isGrpcServiceError(cause) && PERMANENT_CODES.has(cause.code));
}

/** `handle.executeUpdate(def, { args: [arg] })`, sent again with the same update id after a `ServiceError`. */
export async function executeUpdateRetrying<Ret, Arg>(
  handle: WorkflowHandle,
  def: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  retry: UpdateRetry = UPDATE_RETRY,
): Promise<Ret> {
  const updateId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle.executeUpdate(def, { args: [arg], updateId });
    } catch (err) {
      if (!transient(err) || attempt >= retry.attempts) throw err;
      await sleep(retry.backoffMs * attempt);
    }
  }
}
