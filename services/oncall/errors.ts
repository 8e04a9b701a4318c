import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../contracts/failures';

/** The on-call file is unreadable, not YAML, or breaks the schema; `problems` are `file:line:col: message`. */
export class OnCallConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid on-call config ${file}:\n${problems.join('\n')}`);
    this.name = 'OnCallConfigError';
  }
}

/**
 * A runbook names a contact (person or team) or chain the on-call config does not define. Permanent:
 * retrying cannot invent the contact, so the activity fails non-retryably.
 */
export function unknownContact(name: string, where: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `unknown on-call contact "${name}" (${where})`,
    FAILURE_TYPES.unknownOnCallContact,
  );
}

/** A runbook names an escalation chain that does not exist. */
export function unknownChain(name: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `unknown escalation chain "${name}"`,
    FAILURE_TYPES.unknownEscalationChain,
  );
}
