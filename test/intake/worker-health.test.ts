/**
 * Which workers `/healthz` counts, against a scripted server (the real one, with worker processes
 * killed, is in test/cluster/): heartbeats decide; the poller list only fills the gap before a
 * worker's first heartbeat, or stands alone on a server that keeps none.
 */
import type { Client } from '@temporalio/client';
import { POLLER_STALE_AFTER_MS, workerHealth } from '../../apps/intake/worker-health';
import { WORKER_STALE_AFTER_MS } from '../../services/config/cluster';

const NOW = Date.parse('2026-11-21T10:00:00Z');
const ts = (ageMs: number) => ({ seconds: Math.floor((NOW - ageMs) / 1000), nanos: 0 });
const RUNNING = 1;
const SHUTTING_DOWN = 2;

interface Beat {
  identity: string;
  ageMs: number;
  status?: number;
  queue?: string;
}

function server(opts: {
  heartbeats: boolean;
  beats?: Beat[];
  pollers?: { identity: string; ageMs: number }[];
}): Client {
  return {
    workflowService: {
      describeNamespace: async () => ({
        namespaceInfo: { capabilities: { workerHeartbeats: opts.heartbeats } },
      }),
      describeTaskQueue: async () => ({
        pollers: (opts.pollers ?? []).map((p) => ({ identity: p.identity, lastAccessTime: ts(p.ageMs) })),
      }),
      listWorkers: async () => ({
        workersInfo: (opts.beats ?? []).map((b) => ({
          workerHeartbeat: {
            taskQueue: b.queue ?? 'q',
            workerIdentity: b.identity,
            status: b.status ?? RUNNING,
            heartbeatTime: ts(b.ageMs),
            elapsedSinceLastHeartbeat: { seconds: 5, nanos: 0 },
          },
        })),
      }),
    },
  } as unknown as Client;
}

const health = (c: Client) => workerHealth(c, 'default', 'q', NOW);

describe('worker health', () => {
  it('counts workers by fresh RUNNING heartbeats, not by the pollers the server still lists', async () => {
    const c = server({
      heartbeats: true,
      beats: [
        { identity: 'alive', ageMs: 3_000 },
        { identity: 'killed', ageMs: WORKER_STALE_AFTER_MS + 1_000 },
        { identity: 'draining', ageMs: 1_000, status: SHUTTING_DOWN },
        { identity: 'other-queue', ageMs: 1_000, queue: 'q@h1' },
      ],
      pollers: [
        { identity: 'alive', ageMs: 1_000 },
        { identity: 'killed', ageMs: 1_000 },
        { identity: 'draining', ageMs: 1_000 },
      ],
    });
    expect(await health(c)).toEqual({ live: 1, stale: 2, source: 'worker-heartbeats' });
  });

  it('counts a worker that has not heartbeated yet while its last poll is recent', async () => {
    const starting = server({ heartbeats: true, pollers: [{ identity: 'new', ageMs: 2_000 }] });
    expect(await health(starting)).toMatchObject({ live: 1 });
    const gone = server({
      heartbeats: true,
      pollers: [{ identity: 'new', ageMs: WORKER_STALE_AFTER_MS + 1 }],
    });
    expect(await health(gone)).toMatchObject({ live: 0 });
  });

  it('falls back to the poller list on a server that keeps no heartbeats', async () => {
    const c = server({
      heartbeats: false,
      pollers: [
        { identity: 'idle', ageMs: 50_000 },
        { identity: 'gone', ageMs: POLLER_STALE_AFTER_MS + 1_000 },
      ],
    });
    expect(await health(c)).toEqual({ live: 1, stale: 1, source: 'pollers' });
  });
});
