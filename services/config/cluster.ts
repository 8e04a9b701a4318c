/**
 * Settings every process of a cluster must agree on (workers, intakes), kept in one place.
 */

/** How often a worker process reports itself alive to the Temporal server (worker heartbeats). */
export const WORKER_HEARTBEAT_MS = 5_000;

/**
 * A worker whose last heartbeat is older than this is not counted by the intake's `/healthz`: a
 * killed worker stops counting within this plus one health check, well inside 30 s.
 */
export const WORKER_STALE_AFTER_MS = 4 * WORKER_HEARTBEAT_MS;

/** The task queue only the workers of machine `hostId` poll: where its incidents' local steps run. */
export function hostTaskQueue(taskQueue: string, hostId: string): string {
  return `${taskQueue}@${hostId}`;
}
