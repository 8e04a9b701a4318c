/**
 * How the incident workflow tells failures apart: a lost worker, an unknown command outcome, the
 * two control-flow exceptions of the main flow, and the on-call fallback when the lookup fails.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { FAILURE_TYPES } from '../../contracts/failures';
import type { HostRecord, OnCallSnapshot } from '../../contracts/incident';
import type { Plan } from '../../contracts/plan';

/** Thrown out of the wait for a human when history is long: the top level continues-as-new. */
export class Suspend extends Error {
  constructor() {
    super('continue-as-new');
  }
}

/** Thrown inside the main flow to end it with a given outcome (caught at the top). */
export class StopFlow extends Error {
  constructor(readonly outcome: 'escalated' | 'failed') {
    super(outcome);
  }
}

/**
 * The activity's worker stopped answering: the command may or may not have run. (A
 * schedule-to-start timeout means no worker ever took it: nothing ran.)
 */
export function workerLost(e: unknown): boolean {
  return (
    e instanceof ActivityFailure &&
    e.cause instanceof TimeoutFailure &&
    e.cause.timeoutType !== 'SCHEDULE_TO_START'
  );
}

/** The idempotency guard found a claim without a result: the first run is still going or died. */
export function unknownOutcome(e: unknown): boolean {
  return (
    e instanceof ActivityFailure &&
    e.cause instanceof ApplicationFailure &&
    e.cause.type === FAILURE_TYPES.idempotencyUnknownOutcome
  );
}

/** The message a person should read: an activity's own failure rather than its wrapper. */
export function errorMessage(e: unknown): string {
  if (e instanceof ActivityFailure && e.cause) return e.cause.message;
  return e instanceof Error ? e.message : String(e);
}

/**
 * The per-host records a failed `runCommand` carried (its first detail, `{ hosts }`), for the
 * hosts that did answer; none when the step failed before any host did.
 */
export function failureHosts(e: unknown): HostRecord[] {
  const cause = e instanceof ActivityFailure ? e.cause : e;
  if (!(cause instanceof ApplicationFailure)) return [];
  const detail = cause.details?.[0] as { hosts?: unknown } | undefined;
  if (!Array.isArray(detail?.hosts)) return [];
  return (detail.hosts as unknown[]).filter(
    (h): h is HostRecord => typeof h === 'object' && h !== null && typeof (h as HostRecord).host === 'string',
  );
}

/** Fallback on-call facts from the plan alone, used when resolveOnCall keeps failing. */
export function planOnlyOnCall(plan: Plan): OnCallSnapshot {
  const levels = plan.escalation.levels.map((people, i) => ({ name: `level-${i + 1}`, people }));
  if (levels.length === 0) levels.push({ name: 'owners', people: plan.runbook.owners });
  const everyone = [...new Set(levels.flatMap((l) => l.people))];
  return {
    people: {},
    levels,
    approvers: plan.runbook.owners,
    responders: everyone,
    notify: {},
  };
}
