/**
 * The load generator of bench/intake.ts, run on its own worker thread so it does not share the
 * intake's event loop: keep-alive HTTP clients posting Alertmanager webhooks round-robin.
 */
import { Agent, request } from 'node:http';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export function payload(fp: string, seq: number): string {
  const labels = { alertname: 'BenchAlert', service: 'bench', instance: '127.0.0.1:9', severity: 'warning' };
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="BenchAlert"}',
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: 'BenchAlert' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example',
    alerts: [
      {
        status: 'firing',
        labels: { ...labels, fp },
        annotations: { seq: String(seq) },
        startsAt: '2026-11-21T10:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: fp,
      },
    ],
  });
}

export interface LoadSpec {
  url: string;
  fps: string[];
  deliveries: number;
  concurrency: number;
}
export interface LoadResult {
  http: number[];
  /** HTTP latency of the deliveries that started an incident (the intake answers once it started). */
  startedHttp: number[];
  started: number;
  signalled: number;
  failed: number;
}

/** `concurrency` keep-alive clients posting `deliveries` payloads round-robin over the fingerprints. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const target = new URL(spec.url);
  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const out: LoadResult = { http: [], startedHttp: [], started: 0, signalled: 0, failed: 0 };
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < spec.deliveries) {
      const seq = next++;
      const t = performance.now();
      const res = await post(payload(spec.fps[seq % spec.fps.length] as string, seq));
      const ms = performance.now() - t;
      out.http.push(ms);
      if (res.status !== 202) {
        out.failed++;
        continue;
      }
      for (const i of (JSON.parse(res.text) as { incidents: { action: string }[] }).incidents) {
        if (i.action === 'started') {
          out.started++;
          out.startedHttp.push(ms);
        } else if (i.action === 'signalled') out.signalled++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, client));
  agent.destroy();
  return out;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  runLoad(workerData as LoadSpec).then(
    (r) => port.postMessage(r),
    (err: unknown) => {
      throw err;
    },
  );
}
