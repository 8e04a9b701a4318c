/**
 * The intake's HTTP-facing failures, and how a refused workflow update is answered: by the
 * refusal's type (contracts/refusals.ts), never by its message.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { REFUSAL_HTTP_STATUS, isRefusalType } from '../../contracts/refusals';
import type { RefusalType } from '../../contracts/refusals';
import { updateRefusal } from './audit';

/** An HTTP-facing failure: status code plus a reason safe to show the caller. */
export class IntakeError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'IntakeError';
  }
}

/** Status of an update failure whose type names no refusal (e.g. a validator's plain `Error`). */
export const GENERIC_REFUSAL_STATUS = 409;

/** The refusal type of a refused workflow update (the `ApplicationFailure` the client wraps), if it has one. */
export function refusalType(err: WorkflowUpdateFailedError): RefusalType | undefined {
  const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
  return isRefusalType(type) ? type : undefined;
}

/**
 * The HTTP status for a refused workflow update, chosen by the refusal's type
 * ({@link REFUSAL_HTTP_STATUS}); any other update failure is a generic conflict, 409.
 */
export function refusalStatus(err: WorkflowUpdateFailedError): number {
  const type = refusalType(err);
  return type ? REFUSAL_HTTP_STATUS[type] : GENERIC_REFUSAL_STATUS;
}

/** A refused workflow update as the intake answers it. */
export interface Refused {
  /** The validator's reason, shown to the caller and recorded on the incident. */
  reason: string;
  status: number;
}

/** The refusal in `err` when it is a refused workflow update, else undefined (a transport failure, …). */
export function refusalOf(err: unknown): Refused | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  return { reason: updateRefusal(err) ?? err.message, status: refusalStatus(err) };
}
