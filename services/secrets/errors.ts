/**
 * Errors of secret resolution. A secret that is not configured, or whose source is empty or
 * missing, will not appear on retry, so these are non-retryable with a stable `type`.
 * Messages name the secret and its source, never its value.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../contracts/failures';

export const SECRET_ERROR_TYPES = {
  unknown: FAILURE_TYPES.unknownSecret,
  unavailable: FAILURE_TYPES.secretUnavailable,
} as const;

/** A step references a secret name the worker's config does not define. */
export function unknownSecret(name: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: SECRET_ERROR_TYPES.unknown,
    message: `secret "${name}" is not defined in the worker config (secrets.${name}: {env|file})`,
    nonRetryable: true,
  });
}

/** The secret is configured but its environment variable or file is missing or empty. */
export function secretUnavailable(name: string, source: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: SECRET_ERROR_TYPES.unavailable,
    message: `secret "${name}" has no value: ${source} is missing or empty`,
    nonRetryable: true,
  });
}
