/**
 * What bench:engine sends the engine: single alerts, storms (bench/intake-load.ts's keep-alive
 * senders on their own thread, so they do not share this process's event loop), approvals through
 * the API, and a reader polling `GET /v1/incidents` the whole time a storm is being handled.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { payload } from '../intake-load';
import type { LoadResult, LoadSpec } from '../intake-load';
import { APPROVAL_STEP, APPROVER_TOKEN } from './fixture';
import { sleep } from './stats';

/** One Alertmanager delivery of `fingerprint`; throws unless the intake answers 202. */
export async function postAlert(url: string, fingerprint: string, seq: number): Promise<void> {
  const res = await fetch(`${url}/v1/alerts/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: payload(fingerprint, seq),
  });
  if (res.status !== 202) throw new Error(`intake answered ${res.status}: ${await res.text()}`);
}

/** A storm: `deliveries` over `fps` round-robin from `concurrency` keep-alive senders. */
export function storm(
  url: string,
  fps: string[],
  deliveries: number,
  concurrency: number,
): Promise<LoadResult> {
  return new Promise<LoadResult>((resolve, reject) => {
    const w = new Worker(join(__dirname, '..', 'intake-load.ts'), {
      workerData: { url: `${url}/v1/alerts/alertmanager`, fps, deliveries, concurrency } satisfies LoadSpec,
    });
    w.once('message', (m: LoadResult) => resolve(m));
    w.once('error', reject);
  });
}

/** Approvals answered 503 and sent again (see {@link approve}); printed beside the approve figures. */
export const approveRetries: string[] = [];

/**
 * Approves the remediation of incident `id` as alice; resolves with the answer's latency in ms
 * (of the answer that succeeded). A 503 is sent again, up to twice, and remembered: under the
 * storm's load an update has failed that way ("Workflow Update failed"), and the bench reports
 * how often instead of stopping. A 409 after a 503 means the first one went through.
 */
export async function approve(url: string, id: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const t = performance.now();
    const res = await fetch(`${url}/v1/incidents/${encodeURIComponent(id)}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${APPROVER_TOKEN}` },
      body: JSON.stringify({ stepId: APPROVAL_STEP }),
    });
    const text = await res.text();
    if (res.status === 200 || (res.status === 409 && attempt > 1)) return performance.now() - t;
    if (res.status !== 503 || attempt === 3) throw new Error(`approve ${id}: ${res.status} ${text}`);
    approveRetries.push(`${id}: ${text}`);
  }
}

/** Polls `GET /v1/incidents` (the default page) back to back, with a short pause, until stopped. */
export class ListReader {
  readonly latencies: number[] = [];
  failures = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly pauseMs = 50,
  ) {
    this.done = this.loop();
  }

  async stop(): Promise<{ latencies: number[]; failures: number }> {
    this.stopped = true;
    await this.done;
    return { latencies: this.latencies, failures: this.failures };
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const t = performance.now();
      try {
        // Reads need a person's token since #14 (without it every read is a 401, counted as failed).
        const res = await fetch(`${this.url}/v1/incidents`, {
          headers: { authorization: `Bearer ${APPROVER_TOKEN}` },
          signal: AbortSignal.timeout(120_000),
        });
        await res.arrayBuffer();
        if (res.status === 200) this.latencies.push(performance.now() - t);
        else this.failures++;
      } catch {
        this.failures++;
      }
      await sleep(this.pauseMs);
    }
  }
}
