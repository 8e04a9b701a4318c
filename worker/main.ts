/**
 * Standalone worker process: `node dist/worker/main.js`. Configuration comes from the environment
 * plus the optional config file (see config/index.ts). SIGTERM/SIGINT drain gracefully; a second
 * signal exits at once.
 */
import { loadConfig, workerSettings } from '../services/config';
import { hostTaskQueue } from '../services/config/cluster';
import { temporalAddress } from '../services/config/temporal';
import { startWorker } from './index';
import { tuneHeap } from './heap';
import { installRuntimeLogger, logLevelFrom } from './logging';

export async function main(): Promise<number> {
  const config = loadConfig(process.env, {}, { standalone: 'worker' });
  tuneHeap(process.env); // before startWorker creates the workflow thread (heap.ts)
  installRuntimeLogger(logLevelFrom(process.env), (line) => console.error(`firebreak worker: ${line}`));
  const running = await startWorker(config);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130);
    console.error(`firebreak worker: ${sig} received, draining…`);
    void running.shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  console.error(
    `firebreak worker: polling ${config.temporal.taskQueue} and ${hostTaskQueue(config.temporal.taskQueue, workerSettings(config).hostId)} (local steps of this machine) on ${temporalAddress(config)} (namespace ${config.temporal.namespace})`,
  );
  await running.done;
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`firebreak worker: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
