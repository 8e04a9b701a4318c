/**
 * A scripted Temporal client whose incident refuses every update with a given failure, for the
 * intake's HTTP tests through `fastify.inject` (no server): what the intake answers is the point.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { DefaultFailureConverter, defaultPayloadConverter, ensureTemporalFailure } from '@temporalio/common';
import type { IncidentState } from '../../../contracts/incident';

const converter = new DefaultFailureConverter();

/**
 * What `executeUpdate` throws when a validator throws `thrown`, as the SDK does it: the workflow
 * rejects the update with `ensureTemporalFailure(thrown)` as a Failure proto (a plain Error becomes
 * an ApplicationFailure of type `Error`), the client decodes it and wraps it as the cause of a
 * WorkflowUpdateFailedError.
 */
export function asClientSees(thrown: Error): WorkflowUpdateFailedError {
  const failure = converter.errorToFailure(ensureTemporalFailure(thrown), defaultPayloadConverter);
  return new WorkflowUpdateFailedError(
    'Workflow Update failed',
    converter.failureToError(failure, defaultPayloadConverter),
  );
}

/** A signal the intake sent to an incident. */
export interface SentSignal {
  workflowId: string;
  name: string;
  arg: unknown;
}

/** A client whose every incident is in `state` and refuses every update with `refusal`. */
export function refusingClient(
  refusal: Error,
  state: IncidentState,
): { client: Client; signals: SentSignal[] } {
  const signals: SentSignal[] = [];
  const client = {
    workflow: {
      getHandle: (workflowId: string) => ({
        // A run started before incident ids carried an opening time: no memo, its id is the workflow id.
        describe: () =>
          Promise.resolve({ workflowId, runId: 'run-1', status: { name: 'RUNNING' }, historyLength: 10 }),
        executeUpdate: () => Promise.reject(refusal),
        query: () => Promise.resolve(state),
        signal: (def: { name: string }, arg: unknown) => {
          signals.push({ workflowId, name: def.name, arg });
          return Promise.resolve();
        },
      }),
    },
  };
  return { client: client as unknown as Client, signals };
}
