/** A Temporal client for CLI commands, from the engine configuration (address, TLS, API key). */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { FirebreakConfig } from '../config/types';

/** Where the embedded dev server listens when no address is configured (`firebreak start`). */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export async function connectClient(
  config: FirebreakConfig,
  env: NodeJS.ProcessEnv,
): Promise<{ client: Client; close: () => Promise<void> }> {
  const t = config.temporal;
  const tls = t.tls
    ? {
        ...(t.tls.certPath && t.tls.keyPath
          ? { clientCertPair: { crt: readFileSync(t.tls.certPath), key: readFileSync(t.tls.keyPath) } }
          : {}),
        ...(t.tls.caPath ? { serverRootCACertificate: readFileSync(t.tls.caPath) } : {}),
        ...(t.tls.serverName ? { serverNameOverride: t.tls.serverName } : {}),
      }
    : undefined;
  const apiKey = t.apiKeyEnv ? env[t.apiKeyEnv] : undefined;
  const connection = await Connection.connect({
    // Without TEMPORAL_ADDRESS the CLI talks to the engine's embedded server (TEMPORAL_PORT).
    address: t.address ?? (env.TEMPORAL_PORT ? `127.0.0.1:${env.TEMPORAL_PORT}` : DEFAULT_TEMPORAL_ADDRESS),
    connectTimeout: '5s',
    ...(tls ? { tls } : apiKey ? { tls: true } : {}),
    ...(apiKey ? { apiKey } : {}),
  });
  return { client: new Client({ connection, namespace: t.namespace }), close: () => connection.close() };
}
