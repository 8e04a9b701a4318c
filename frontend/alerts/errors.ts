/**
 * Errors raised while normalizing incoming alerts. A malformed payload is permanent (resending
 * the same bytes fails the same way), so it is a non-retryable ApplicationFailure whose message
 * names the offending field.
 */
import { ApplicationFailure } from '@temporalio/common';

export const ALERT_PAYLOAD_ERROR = 'AlertPayloadError';

/** An alert webhook payload that does not have the documented shape; `field` is its path. */
export class AlertPayloadError extends ApplicationFailure {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`, ALERT_PAYLOAD_ERROR, true, [{ field }]);
    this.field = field;
  }
}

/** Type guard by failure type (Temporal failures share one `instanceof` marker). */
export function isAlertPayloadError(err: unknown): err is AlertPayloadError {
  return err instanceof ApplicationFailure && err.type === ALERT_PAYLOAD_ERROR;
}
