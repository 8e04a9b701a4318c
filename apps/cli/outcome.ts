/**
 * The state an action leads to. An update answers with the incident as its handler left it —
 * before the workflow acted on the decision (an approved step has not started, a closed incident
 * has not finished) — so the CLI waits briefly for the workflow to take the action up and prints
 * that resulting state instead.
 */
import { handleOfIncident } from '../intake/incident-lookup';
import { workflowIdOfIncident } from '../../language/plan/context';
import type { Client } from '@temporalio/client';
import type { IncidentState } from '../../contracts/incident';
import { TERMINAL_STATUSES } from '../../contracts/incident';
import { stateQuery } from '../../workflows/definitions';

/** The human actions of `firebreak incident`. */
export type IncidentAction = 'ack' | 'note' | 'approve' | 'reject' | 'close';

/** How long to wait for the workflow to act on an update (ms), and how often to look. */
export interface SettleOptions {
  timeoutMs: number;
  intervalMs: number;
}

export const DEFAULT_SETTLE: SettleOptions = { timeoutMs: 10_000, intervalMs: 200 };

/** The incident after the action took effect; `settled` is false when the wait ran out first. */
export interface Outcome {
  state: IncidentState;
  settled: boolean;
}

/** Whether `s` shows `action` (on `stepId`) carried out by the workflow, not just recorded. */
export function actedOn(action: IncidentAction, s: IncidentState, stepId?: string): boolean {
  if (TERMINAL_STATUSES.includes(s.status)) return true;
  if (action === 'close') return false;
  if (action === 'approve' || action === 'reject') {
    const rec = s.steps.find((x) => x.id === stepId && x.phase === 'remediation');
    return rec === undefined || (rec.status !== 'awaiting_approval' && rec.status !== 'pending');
  }
  return true; // ack and note change nothing the workflow still has to do
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the incident until the workflow acted on `action`, or `opts.timeoutMs` passed. */
export async function settle(
  client: Client,
  action: IncidentAction,
  answered: IncidentState,
  stepId: string | undefined,
  opts: SettleOptions = DEFAULT_SETTLE,
): Promise<Outcome> {
  let state = answered;
  const deadline = Date.now() + opts.timeoutMs;
  // The run the incident is (never a later incident of the same alert); the bare workflow id if
  // the lookup fails (e.g. a fake client).
  const handle = await handleOfIncident(client, answered.id).catch(() =>
    client.workflow.getHandle(workflowIdOfIncident(answered.id)),
  );
  while (!actedOn(action, state, stepId)) {
    if (Date.now() >= deadline) return { state, settled: false };
    await sleep(opts.intervalMs);
    try {
      state = await handle.query(stateQuery);
    } catch {
      // The run may be closing (or continuing as new); look again.
    }
  }
  return { state, settled: true };
}

const VERBS: Record<IncidentAction, string> = {
  ack: 'acknowledged',
  note: 'noted',
  approve: 'approved',
  reject: 'rejected',
  close: 'closed',
};

/** One line: what was done, and the state it led to (or that the workflow has not acted yet). */
export function outcomeLine(action: IncidentAction, o: Outcome, stepId?: string, waitedMs = 0): string {
  const what = `${VERBS[action]}${stepId ? ` ${stepId}` : ''}`;
  if (o.settled) return `${what}: ${o.state.id} is now ${o.state.status}`;
  return `${what}: ${o.state.id} is still ${o.state.status} (the decision is recorded; the workflow has not acted on it within ${Math.round(waitedMs / 1000)}s — is a worker running?)`;
}
