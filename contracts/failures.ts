/**
 * Stable failure type names (`ApplicationFailure.type`), defined once. Activities throw them, the
 * workflow and the clients branch on them; a rename here is a rename everywhere. Pure constants:
 * imported by workflow code.
 */
export const FAILURE_TYPES = {
  // Remote and local command execution.
  unknownHostKey: 'UnknownHostKey',
  hostKeyMismatch: 'HostKeyMismatch',
  authenticationFailed: 'AuthenticationFailed',
  commandTimeout: 'CommandTimeout',
  commandCancelled: 'CommandCancelled',
  idempotencyUnknownOutcome: 'IdempotencyUnknownOutcome',
  invalidHost: 'InvalidHost',
  invalidCommandInput: 'InvalidCommandInput',
  sshKey: 'SshKeyError',
  // Plan interpretation.
  unknownTarget: 'UnknownTarget',
  // Secrets.
  unknownSecret: 'UnknownSecret',
  secretUnavailable: 'SecretUnavailable',
  // On-call configuration.
  unknownOnCallContact: 'UnknownOnCallContact',
  unknownEscalationChain: 'UnknownEscalationChain',
  // Reports.
  invalidReportState: 'InvalidReportState',
  unsafeReportPath: 'UnsafeReportPath',
} as const;

/** Any stable failure type name of {@link FAILURE_TYPES}. */
export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];
