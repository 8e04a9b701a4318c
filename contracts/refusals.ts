/**
 * Refusals of the incident workflow's update validators: each is an `ApplicationFailure` whose
 * stable `type` says why, so clients (intake, CLI, approval links) choose their answer by type and
 * never by parsing the message. Workflow-safe: only `@temporalio/common`.
 */
import { ApplicationFailure } from '@temporalio/common';

/** Why an approve/reject/ack/note/close was refused. */
export const REFUSAL_TYPES = {
  /** The incident is still starting (on-call facts not resolved yet); try again shortly. */
  incidentStarting: 'IncidentStarting',
  /** The person is not a responder of the incident. */
  notResponder: 'NotResponder',
  /** The person may not approve or reject this step. */
  notApprover: 'NotApprover',
  /** The step is not waiting for a decision (unknown, skipped, already decided, …). */
  stepNotAwaitingApproval: 'StepNotAwaitingApproval',
  /** A single-use approval link was used again. */
  approvalLinkUsed: 'ApprovalLinkUsed',
  /** The request itself is malformed (an empty note). */
  invalidRequest: 'InvalidRequest',
  /** The incident is already closed or finished. */
  incidentClosed: 'IncidentClosed',
} as const;

/** Any refusal type name of {@link REFUSAL_TYPES}. */
export type RefusalType = (typeof REFUSAL_TYPES)[keyof typeof REFUSAL_TYPES];

const ALL: ReadonlySet<string> = new Set(Object.values(REFUSAL_TYPES));

/** True when `type` names a refusal. */
export function isRefusalType(type: string | undefined | null): type is RefusalType {
  return typeof type === 'string' && ALL.has(type);
}

/** A refusal to throw from an update validator: non-retryable, typed, with a message naming the values. */
export function refusal(type: RefusalType, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

/** HTTP status for each refusal type: who may not (403), not now or not yet (409), a bad request (422). */
export const REFUSAL_HTTP_STATUS: Readonly<Record<RefusalType, number>> = {
  IncidentStarting: 409,
  NotResponder: 403,
  NotApprover: 403,
  StepNotAwaitingApproval: 409,
  ApprovalLinkUsed: 409,
  InvalidRequest: 422,
  IncidentClosed: 409,
};
