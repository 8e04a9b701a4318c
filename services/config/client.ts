/** A Temporal client for the CLI and the intake, from the engine configuration. */
import { Client } from '@temporalio/client';
import { connectTemporal } from './temporal';
import type { FirebreakConfig } from './types';

export async function connectClient(
  config: FirebreakConfig,
  env: NodeJS.ProcessEnv,
): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await connectTemporal(config, env);
  return {
    client: new Client({ connection, namespace: config.temporal.namespace }),
    close: () => connection.close(),
  };
}
