/** Workflows for the Temporal cluster smoke test: one that runs an activity, one that waits for a signal. */
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './smoke-activities';

const { shout } = proxyActivities<typeof activities>({ startToCloseTimeout: '30 seconds' });

/** Carries the value {@link waitForProceed} returns. */
export const proceedSignal = defineSignal<[string]>('proceed');

/** One activity round trip: proves workflow and activity task queues both work. */
export async function greet(name: string): Promise<string> {
  return `hello, ${await shout(name)}`;
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
