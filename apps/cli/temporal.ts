/**
 * The CLI's connection to Temporal, and what it says when Temporal cannot be reached: the address
 * it tried, where that address came from, and what to do — never the SDK's raw transport error.
 */
import type { Client } from '@temporalio/client';
import { connectClient } from '../../services/config/client';
import { temporalAddress } from '../../services/config/temporal';
import type { FirebreakConfig } from '../../services/config/types';

/** Temporal did not answer at `address`; the message says why and what to do. */
export class TemporalUnreachableError extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
    configured: boolean,
  ) {
    super(unreachableMessage(address, reason, configured));
    this.name = 'TemporalUnreachableError';
  }
}

/** The advice for an unreachable Temporal, depending on whether TEMPORAL_ADDRESS named it. */
export function unreachableMessage(address: string, reason: string, configured: boolean): string {
  if (configured)
    return [
      `cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): ${reason}.`,
      '  Check that a Temporal frontend listens there, or unset TEMPORAL_ADDRESS to use the one',
      '  `npm start` runs on this machine.',
    ].join('\n');
  return [
    `cannot reach Temporal at ${address}: ${reason}.`,
    '  Is the engine running? Start it with `npm start` (it runs Temporal on this machine;',
    '  TEMPORAL_PORT moves it), or set TEMPORAL_ADDRESS=host:port to use another Temporal.',
  ].join('\n');
}

/**
 * The reason inside a connection failure, when `err` is one: the native client's transport error
 * (`tonic::transport::Error(… message: "Connection refused" …)`) or a call that failed with gRPC
 * UNAVAILABLE (14) once connected. Undefined for anything else.
 */
export function connectionFailure(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code;
  const transport = err.name === 'TransportError' || err.message.includes('tonic::transport');
  if (!transport && code !== 14) return undefined;
  const m = err.message;
  const detail =
    /message: "([^"]+)"/.exec(m)?.[1] ?? /error: "([^"]+)"/.exec(m)?.[1] ?? /"([^"]+)"/.exec(m)?.[1];
  const reason = (detail ?? m).trim();
  return reason.charAt(0).toLowerCase() + reason.slice(1, 300);
}

/** Maps a connection failure to {@link TemporalUnreachableError}; anything else is returned as is. */
export function explainConnectionFailure(
  err: unknown,
  config: FirebreakConfig,
  env: NodeJS.ProcessEnv,
): unknown {
  const reason = connectionFailure(err);
  if (reason === undefined) return err;
  return new TemporalUnreachableError(
    temporalAddress(config, env),
    reason,
    config.temporal.address !== undefined,
  );
}

/** A client on the configured Temporal; an unreachable one throws {@link TemporalUnreachableError}. */
export async function connectCli(
  config: FirebreakConfig,
  env: NodeJS.ProcessEnv,
): Promise<{ client: Client; close: () => Promise<void> }> {
  try {
    return await connectClient(config, env);
  } catch (err) {
    throw explainConnectionFailure(err, config, env);
  }
}
