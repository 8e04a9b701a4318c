/**
 * A worker in its own process for the crash test: the REAL runCommand (local transport, with the
 * idempotency guard under FIREBREAK_HOME) and fake on-call/notification/report activities.
 * Run with `node -r test/support/register-ts.js`; prints "ready" once polling.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../../services/config';
import { createActivities } from '../../../activities';
import { startWorker } from '../../../worker';
import { fakeActivities } from './fakes';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig(process.env);
  const fakes = fakeActivities();
  const activities = createActivities({
    config,
    overrides: {
      resolveOnCall: fakes.resolveOnCall,
      sendNotification: fakes.sendNotification,
      writeReport: fakes.writeReport,
    },
  });
  const running = await startWorker(config, { activities, shutdownGraceTime: '1s' });
  process.on('SIGTERM', () => void running.shutdown());
  process.stdout.write('ready\n');
  await running.done;
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
