/**
 * Errors of remote (and local) command execution. Permanent problems — a host key that does not
 * match, refused authentication, a command that ran out of time — are non-retryable
 * `ApplicationFailure`s with a stable `type`, because retrying cannot fix them and a retried
 * destructive command might run twice. Network trouble (refused connection, unreachable host,
 * handshake timeout) is a plain `Error` so Temporal's retry policy tries again.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../contracts/failures';

/** The failure type names of command execution: the transport's part of {@link FAILURE_TYPES}. */
export const SSH_ERROR_TYPES = {
  unknownHostKey: FAILURE_TYPES.unknownHostKey,
  hostKeyMismatch: FAILURE_TYPES.hostKeyMismatch,
  authenticationFailed: FAILURE_TYPES.authenticationFailed,
  commandTimeout: FAILURE_TYPES.commandTimeout,
  commandCancelled: FAILURE_TYPES.commandCancelled,
  idempotencyUnknownOutcome: FAILURE_TYPES.idempotencyUnknownOutcome,
  invalidHost: FAILURE_TYPES.invalidHost,
  invalidCommandInput: FAILURE_TYPES.invalidCommandInput,
  sshKey: FAILURE_TYPES.sshKey,
} as const;

export type SshErrorType = (typeof SSH_ERROR_TYPES)[keyof typeof SSH_ERROR_TYPES];

function failure(type: SshErrorType, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    details: details === undefined ? [] : [details],
  });
}

/** The host presented a key and known_hosts has no entry for it (and TOFU is not enabled). */
export function unknownHostKey(host: string, fingerprint: string): ApplicationFailure {
  return failure(
    SSH_ERROR_TYPES.unknownHostKey,
    `unknown host key for ${host}: ${fingerprint} is not in known_hosts (add it, or enable acceptUnknownHosts explicitly)`,
    { host, fingerprint },
  );
}

/** known_hosts has entries for the host but none matches the key it presented. */
export function hostKeyMismatch(host: string, fingerprint: string): ApplicationFailure {
  return failure(
    SSH_ERROR_TYPES.hostKeyMismatch,
    `host key mismatch for ${host}: it presented ${fingerprint}, which does not match known_hosts (possible man-in-the-middle)`,
    { host, fingerprint },
  );
}

/** The server refused every authentication method offered. */
export function authenticationFailed(target: string, detail: string): ApplicationFailure {
  return failure(SSH_ERROR_TYPES.authenticationFailed, `authentication failed for ${target}: ${detail}`, {
    target,
  });
}

/** The command ran longer than its step's timeout; its process group was killed. */
export function commandTimeout(host: string, timeoutMs: number): ApplicationFailure {
  return failure(
    SSH_ERROR_TYPES.commandTimeout,
    `command on ${host} timed out after ${timeoutMs} ms; its process group was killed`,
    { host, timeoutMs },
  );
}

/** The activity was cancelled while the command ran; its process group was killed. */
export function commandCancelled(host: string): ApplicationFailure {
  return failure(
    SSH_ERROR_TYPES.commandCancelled,
    `command on ${host} was cancelled; its process group was killed`,
    {
      host,
    },
  );
}

/**
 * A non-idempotent command's key was already claimed on the target but no result was recorded:
 * a previous attempt died mid-command, so whether it took effect is unknown. It is never re-run.
 */
export function idempotencyUnknownOutcome(host: string, key: string): ApplicationFailure {
  return failure(
    SSH_ERROR_TYPES.idempotencyUnknownOutcome,
    `command with idempotency key "${key}" was already started on ${host} but its outcome was never recorded; ` +
      'it will not be run again — check the host by hand',
    { host, key },
  );
}

/** A host string that cannot be parsed into host and port, or an unknown inventory group. */
export function invalidHost(value: string, why: string): ApplicationFailure {
  return failure(SSH_ERROR_TYPES.invalidHost, `invalid host "${value}": ${why}`, { value });
}

/** A run request that can never succeed (a bad env variable name, a NUL byte). */
export function invalidCommandInput(message: string): ApplicationFailure {
  return failure(SSH_ERROR_TYPES.invalidCommandInput, message);
}

/** A private key that cannot be read or decrypted. */
export function sshKeyError(message: string): ApplicationFailure {
  return failure(SSH_ERROR_TYPES.sshKey, message);
}

/**
 * A transient connection problem (refused, unreachable, handshake timeout, dropped connection):
 * a plain Error so the activity is retried.
 */
export class ConnectionFailed extends Error {
  constructor(
    readonly target: string,
    detail: string,
  ) {
    super(`cannot reach ${target}: ${detail}`);
    this.name = 'ConnectionFailed';
  }
}

/** True when `err` is a non-retryable failure of the given type. */
export function isFailureType(err: unknown, type: SshErrorType): boolean {
  return err instanceof ApplicationFailure && err.type === type;
}
