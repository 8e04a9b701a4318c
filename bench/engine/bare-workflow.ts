/**
 * The empty workflow of bench:engine's limit: what Temporal itself costs for the work an incident
 * needs from it (a start, a first activity, signals), with nothing of Firebreak inside.
 */
import { condition, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';

/** Activities the bare worker runs: `first` reports when the first activity started. */
export interface BareActivities {
  first(workflowId: string): Promise<void>;
}

export const bareAlertSignal = defineSignal<[unknown]>('alert');
export const bareStopSignal = defineSignal('stop');

const { first } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

/** Runs one activity when asked, then counts signals until stopped. */
export async function bareWorkflow(withActivity: boolean, _input: unknown): Promise<number> {
  let alerts = 0;
  let stopped = false;
  setHandler(bareAlertSignal, () => void alerts++);
  setHandler(bareStopSignal, () => void (stopped = true));
  if (withActivity) await first(workflowInfo().workflowId);
  await condition(() => stopped);
  return alerts;
}
