/**
 * Crash recovery for non-idempotent commands whose worker vanished mid-command.
 */
import { sleep } from '@temporalio/workflow';
import type { IncidentActivities, RunCommandInput, RunCommandResult } from '../../activities/types';
import { errorMessage, unknownOutcome } from './failures';
import type { IncidentStore, StepView } from './store';

/** First look at the target after a lost worker: long enough for a short command to finish. */
export const RECOVERY_FIRST_PROBE_MS = 5_000;

/**
 * A non-idempotent step whose worker vanished (heartbeat or start-to-close timeout) may or may
 * not have run. It is never retried blindly: the same request is re-sent with the same
 * idempotency key, and the guard on the target either hands back the recorded result or
 * reports the outcome unknown (the command is still running or died) — a few bounded probes,
 * then the original failure stands and the step fails (and escalates).
 */
export async function recoverOutcome(
  store: IncidentStore,
  rec: StepView,
  run: IncidentActivities['runCommand'],
  request: RunCommandInput,
  lost: unknown,
): Promise<RunCommandResult> {
  store.record(
    'step_finished',
    `${rec.id}: worker lost mid-command (${errorMessage(lost)}); asking the target for the recorded outcome`,
    { stepId: rec.id, data: { recovering: true } },
  );
  const delays = [
    RECOVERY_FIRST_PROBE_MS,
    Math.max(RECOVERY_FIRST_PROBE_MS, request.timeoutMs / 2),
    request.timeoutMs,
  ];
  let last: unknown = lost;
  for (const delay of delays) {
    await sleep(delay);
    store.setAttempts(rec, (rec.attempts ?? 1) + 1);
    try {
      return await run(request);
    } catch (e) {
      last = e;
      if (!unknownOutcome(e)) break;
    }
  }
  throw last;
}
