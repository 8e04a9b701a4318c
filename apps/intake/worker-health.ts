/**
 * Which workers are alive on the task queue, for `/healthz`. Temporal keeps a task queue's
 * poller list for minutes after a worker has gone (4.5 min measured after every worker
 * stopped), so the list alone says "OK" long after nobody is left. Workers heartbeat to the
 * server instead (worker/runtime.ts); a worker counts when its last heartbeat says RUNNING and is
 * younger than {@link WORKER_STALE_AFTER_MS}: a SIGKILLed one stops counting within seconds,
 * a draining one at once.
 *
 * A server that keeps no worker heartbeats (older than 1.29, or with them switched off) lists
 * none; then the poller list is the only source, and a poller counts while its last poll is
 * younger than {@link POLLER_STALE_AFTER_MS} (idle pollers re-poll about every minute).
 */
import type { Client } from '@temporalio/client';
import { WORKER_STALE_AFTER_MS } from '../../services/config/cluster';

/** A poller idle for longer than a long poll (60 s) plus slack has gone. */
export const POLLER_STALE_AFTER_MS = 75_000;

/** `temporal.api.enums.v1.WorkerStatus.WORKER_STATUS_RUNNING`. */
const WORKER_STATUS_RUNNING = 1;
/** `TaskQueueKind.NORMAL`, `TaskQueueType.WORKFLOW`. */
const KIND_NORMAL = 1;
const TYPE_WORKFLOW = 1;

/** What `/healthz` reports about the workers. */
export interface WorkerHealth {
  /** Workers (or, without heartbeats, pollers) counted alive. */
  live: number;
  /** Listed but not counted: stopped, draining, or silent for too long. */
  stale: number;
  /** Where the counts come from. */
  source: 'worker-heartbeats' | 'pollers';
}

type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null;

function epochMs(t: Timestamp | undefined): number {
  if (!t) return 0;
  const s = typeof t.seconds === 'number' ? t.seconds : (t.seconds?.toNumber() ?? 0);
  return s * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

type Duration = Timestamp;

interface Heartbeat {
  taskQueue?: string | null;
  status?: number | null;
  heartbeatTime?: Timestamp;
  /** The worker's own heartbeat interval, as it last reported it. */
  elapsedSinceLastHeartbeat?: Duration;
}

/**
 * Alive: RUNNING, and heard from within {@link WORKER_STALE_AFTER_MS} — or three of its own
 * intervals, for a worker configured to heartbeat less often than ours do.
 */
function alive(h: Heartbeat, now: number): boolean {
  const allowed = Math.max(WORKER_STALE_AFTER_MS, 3 * epochMs(h.elapsedSinceLastHeartbeat));
  return h.status === WORKER_STATUS_RUNNING && now - epochMs(h.heartbeatTime) <= allowed;
}

async function heartbeats(client: Client, namespace: string, taskQueue: string): Promise<Heartbeat[]> {
  const quoted = taskQueue.replace(/\\/gu, '\\\\').replace(/'/gu, "\\'");
  const res = await client.workflowService.listWorkers({
    namespace,
    pageSize: 1000,
    query: `TaskQueue = '${quoted}'`,
  });
  return (res.workersInfo ?? [])
    .map((w) => w.workerHeartbeat as Heartbeat | null | undefined)
    .filter((h): h is Heartbeat => !!h && h.taskQueue === taskQueue);
}

async function pollers(client: Client, namespace: string, taskQueue: string, now: number) {
  const res = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: KIND_NORMAL },
    taskQueueType: TYPE_WORKFLOW,
  });
  const all = res.pollers ?? [];
  const live = all.filter(
    (p) => now - epochMs(p.lastAccessTime as Timestamp) <= POLLER_STALE_AFTER_MS,
  ).length;
  return { live, stale: all.length - live };
}

/** Counts the live workers of `taskQueue` (throws when Temporal cannot be reached). */
export async function workerHealth(
  client: Client,
  namespace: string,
  taskQueue: string,
  now = Date.now(),
): Promise<WorkerHealth> {
  let beats: Heartbeat[];
  try {
    beats = await heartbeats(client, namespace, taskQueue);
  } catch {
    beats = []; // the server does not serve ListWorkers: fall back to the poller list
  }
  if (beats.length === 0) return { ...(await pollers(client, namespace, taskQueue, now)), source: 'pollers' };
  const live = beats.filter((h) => alive(h, now)).length;
  return { live, stale: beats.length - live, source: 'worker-heartbeats' };
}
