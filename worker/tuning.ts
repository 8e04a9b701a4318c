/**
 * How much the worker holds and runs at once, from the environment:
 *
 * - `FIREBREAK_WORKFLOW_CACHE` (default 250): incidents kept in memory between their workflow
 *   tasks. Each cached incident costs the worker about 0.4 MB (bench:engine), so the default keeps
 *   1,000 open incidents under 400 MB; an incident that left the cache is replayed from its
 *   history at its next task (an approval, a timer), a few milliseconds of CPU. Keep it above the
 *   number of incidents you expect to be busy at once (an alert storm's distinct fingerprints):
 *   below that, every delivery of a storm replays its incident.
 * - `FIREBREAK_WORKFLOW_TASKS` (default 40) and `FIREBREAK_ACTIVITY_TASKS` (default 20): workflow
 *   tasks and activities (commands, mail, reports) run at once. Activity slots keep a quarter for
 *   eager activities (slots.ts): the server hands a new command's activity back with the workflow
 *   task that scheduled it only when a slot is free at that moment. Workflow task slots are a plain
 *   pool: the intake starts incidents by signal-with-start (one call for start-or-join across
 *   intakes), which Temporal cannot start eagerly, so no workflow task arrives but by a poll.
 *
 * Half the workflow-task pollers poll the shared queue (new incidents, evicted ones), half this
 * worker's sticky queue (incidents it holds): at the SDK's 1:4, new incidents queued for tens of
 * seconds behind a storm's signals.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { ConfigError } from '../services/config/errors';
import { eagerReservingSlots } from './slots';

/** The worker's concurrency and cache limits. */
export interface WorkerTuning {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  nonStickyToStickyPollRatio: number;
}

export const DEFAULT_TUNING: WorkerTuning = {
  maxCachedWorkflows: 250,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 20,
  nonStickyToStickyPollRatio: 0.5,
};

function count(env: NodeJS.ProcessEnv, key: string, min: number, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > 100_000)
    throw new ConfigError(key, `expected an integer from ${min} to 100000, got "${raw}"`);
  return Number(raw);
}

export function workerTuning(env: NodeJS.ProcessEnv = process.env): WorkerTuning {
  // Temporal needs at least 2 cached workflows (0 disables the cache) and 2 workflow task slots.
  const cache = count(env, 'FIREBREAK_WORKFLOW_CACHE', 0, DEFAULT_TUNING.maxCachedWorkflows);
  if (cache === 1) throw new ConfigError('FIREBREAK_WORKFLOW_CACHE', 'must be 0 (no cache) or at least 2');
  return {
    maxCachedWorkflows: cache,
    maxConcurrentWorkflowTaskExecutions: count(
      env,
      'FIREBREAK_WORKFLOW_TASKS',
      2,
      DEFAULT_TUNING.maxConcurrentWorkflowTaskExecutions,
    ),
    maxConcurrentActivityTaskExecutions: count(
      env,
      'FIREBREAK_ACTIVITY_TASKS',
      1,
      DEFAULT_TUNING.maxConcurrentActivityTaskExecutions,
    ),
    nonStickyToStickyPollRatio: DEFAULT_TUNING.nonStickyToStickyPollRatio,
  };
}

/** Of the activity slots, the share polls may not hold: kept for eager activities (slots.ts). */
const EAGER_SHARE = 0.25;
const reserve = (slots: number) => Math.max(1, Math.floor(slots * EAGER_SHARE));

/** The Worker options these limits set. */
export function workerLimits(
  t: WorkerTuning,
): Pick<WorkerOptions, 'tuner' | 'maxCachedWorkflows' | 'nonStickyToStickyPollRatio'> {
  const workflowSlots = t.maxConcurrentWorkflowTaskExecutions;
  const activitySlots = t.maxConcurrentActivityTaskExecutions;
  return {
    maxCachedWorkflows: t.maxCachedWorkflows,
    nonStickyToStickyPollRatio: t.nonStickyToStickyPollRatio,
    tuner: {
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: workflowSlots },
      activityTaskSlotSupplier: eagerReservingSlots(activitySlots, reserve(activitySlots)),
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
      nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
    },
  };
}
