/** Workflows for the Temporal cluster smoke test: one that returns at once, one that waits for a signal. */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

/** Carries the value {@link waitForProceed} returns. */
export const proceedSignal = defineSignal<[string]>('proceed');

/** Completes immediately: proves a worker can poll and a client can start and await. */
export async function greet(name: string): Promise<string> {
  return Promise.resolve(`hello, ${name}`);
}

/** Blocks until signalled, so it can outlive a server crash and finish after the restart. */
export async function waitForProceed(): Promise<string> {
  let value: string | undefined;
  setHandler(proceedSignal, (v) => {
    value = v;
  });
  await condition(() => value !== undefined);
  return value ?? '';
}
