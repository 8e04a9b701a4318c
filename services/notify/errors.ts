/** Why a signed approval link was refused; `reason` is safe to show the person who clicked it. */
export class ApprovalLinkError extends Error {
  constructor(
    readonly reason: 'malformed' | 'forged' | 'expired',
    message: string,
  ) {
    super(message);
    this.name = 'ApprovalLinkError';
  }
}

/**
 * SMTP refused or was unreachable. A plain (retryable) error on purpose: Temporal retries the
 * notification activity with backoff while the workflow's escalation timers keep running.
 */
export class MailDeliveryError extends Error {
  constructor(
    readonly recipients: string[],
    cause: unknown,
  ) {
    super(
      `mail delivery to ${recipients.join(', ')} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'MailDeliveryError';
  }
}
