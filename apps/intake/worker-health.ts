/**
 * Which workers are alive on the task queue, for `/healthz`. Temporal keeps a task queue's
 * poller list for minutes after a worker has gone (4.5 min measured after every worker
 * stopped), so the list alone says "OK" long after nobody is left. Workers heartbeat to the
 * server instead (worker/logging.ts installs the interval); a worker counts when its last
 * heartbeat says RUNNING and is younger than {@link WORKER_STALE_AFTER_MS}: a SIGKILLed one
 * stops counting within seconds, a draining one at once. A poller whose identity has no heartbeat
 * yet (a worker in its first seconds, or records a restarted server has not rebuilt) counts while
 * its last poll is as young.
 *
 * A namespace without worker heartbeats (a server older than 1.29, or with them switched off)
 * has only the poller list; then a poller counts while its last poll is younger than
 * {@link POLLER_STALE_AFTER_MS} (idle pollers re-poll about every minute).
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
  workerIdentity?: string | null;
  status?: number | null;
  heartbeatTime?: Timestamp;
  /** The worker's own heartbeat interval, as it last reported it. */
  elapsedSinceLastHeartbeat?: Duration;
}

interface Poller {
  identity?: string | null;
  lastAccessTime?: Timestamp;
}

/**
 * Alive: RUNNING, and heard from within {@link WORKER_STALE_AFTER_MS} — or three of its own
 * intervals, for a worker configured to heartbeat less often than ours do.
 */
function isAlive(h: Heartbeat, now: number): boolean {
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

async function pollersOf(client: Client, namespace: string, taskQueue: string): Promise<Poller[]> {
  const res = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: KIND_NORMAL },
    taskQueueType: TYPE_WORKFLOW,
  });
  return (res.pollers ?? []) as Poller[];
}

/** Whether the namespace keeps worker heartbeats (the server says so in its capabilities). */
async function keepsHeartbeats(client: Client, namespace: string): Promise<boolean> {
  const res = await client.workflowService.describeNamespace({ namespace });
  return res.namespaceInfo?.capabilities?.workerHeartbeats === true;
}

/** Counts the live workers of `taskQueue` (throws when Temporal cannot be reached). */
export async function workerHealth(
  client: Client,
  namespace: string,
  taskQueue: string,
  now = Date.now(),
): Promise<WorkerHealth> {
  const [withHeartbeats, pollers] = await Promise.all([
    keepsHeartbeats(client, namespace),
    pollersOf(client, namespace, taskQueue),
  ]);
  const polledWithin = (p: Poller, ms: number) => now - epochMs(p.lastAccessTime) <= ms;
  if (!withHeartbeats) {
    const live = pollers.filter((p) => polledWithin(p, POLLER_STALE_AFTER_MS)).length;
    return { live, stale: pollers.length - live, source: 'pollers' };
  }
  const beats = await heartbeats(client, namespace, taskQueue).catch(() => [] as Heartbeat[]);
  const heard = new Set(beats.map((h) => h.workerIdentity));
  const starting = pollers.filter((p) => !heard.has(p.identity) && polledWithin(p, WORKER_STALE_AFTER_MS));
  const alive = beats.filter((h) => isAlive(h, now)).length;
  return { live: alive + starting.length, stale: beats.length - alive, source: 'worker-heartbeats' };
}
