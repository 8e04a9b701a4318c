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

/** The incident's workflow refused an update (validator) — 403 when it is about who, else 409. */
export function refusalStatus(message: string): number {
  return /is not an? (approver|responder)|not allowed|unauthori[sz]ed|forbidden/i.test(message) ? 403 : 409;
}
