/**
 * Standalone intake process: `node dist/apps/intake/main.js` (docker compose, or any number of
 * intakes behind a load balancer — they keep no state of their own). Refuses to start on an
 * invalid runbook library or on-call config, like the embedded engine.
 */
import { loadConfig } from '../../services/config';
import { connectClient } from '../../services/config/client';
import { checkInputs } from '../../services/config/inputs';
import { loadPersonTokens } from '../../services/oncall';
import { createMetrics, libraryFromPlans, startIntake } from './index';

export async function main(): Promise<number> {
  const config = loadConfig(process.env, {}, { standalone: 'intake' });
  const { plans, oncall } = checkInputs(config);
  const { client, close } = await connectClient(config, process.env);
  const intake = await startIntake(config, {
    client,
    library: libraryFromPlans(plans, { catchAll: config.catchAllRunbook }),
    tokens: loadPersonTokens(oncall, process.env),
    metrics: createMetrics({ defaultMetrics: true }),
  });
  console.error(`firebreak intake: listening on ${intake.url} with ${plans.length} runbooks`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  console.error('firebreak intake: stopping');
  await intake.close();
  await close();
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`firebreak intake: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
