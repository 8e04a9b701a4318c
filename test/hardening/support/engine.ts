/**
 * The engine as `firebreak start` runs it (embedded Temporal dev server, worker, intake), in a
 * child process with its own home, runbooks and environment; for the issue #15 tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { PublicIncidentState } from '../../../apps/intake/public-state';

const ROOT = join(__dirname, '..', '..', '..');
export const BIN = join(ROOT, 'bin', 'firebreak.js');
export const TOKEN = 'hardening-token-alice';

export interface Engine {
  proc: ChildProcess;
  url: string;
  temporalAddress: string;
  output: () => string;
  /** True while the process runs (it may have been killed by a hostile input). */
  alive: () => boolean;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEngine(env: NodeJS.ProcessEnv): Promise<Engine> {
  const proc = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${env.FIREBREAK_PORT}`;
  const deadline = Date.now() + 150_000;
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  for (;;) {
    if (!alive()) throw new Error(`engine exited (${proc.exitCode}):\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        return { proc, url, temporalAddress: `127.0.0.1:${env.TEMPORAL_PORT}`, output: () => out, alive };
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`engine not healthy within 150 s:\n${out}`);
    }
    await sleep(500);
  }
}

export async function stopEngine(e: Engine | undefined): Promise<void> {
  if (!e || !e.alive()) return;
  e.proc.kill('SIGINT');
  const deadline = Date.now() + 30_000;
  while (e.alive() && Date.now() < deadline) await sleep(100);
  if (e.alive()) e.proc.kill('SIGKILL');
}

export async function api(
  engine: Engine,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  return fetch(`${engine.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
}

/** Why the last read of an incident gave no state (shown when a wait gives up). */
let lastMiss = '';

export async function incident(engine: Engine, id: string): Promise<PublicIncidentState | undefined> {
  const res = await api(engine, `/v1/incidents/${encodeURIComponent(id)}`).catch((err: unknown) => {
    lastMiss = `request failed: ${err instanceof Error ? err.message : String(err)}`;
    return undefined;
  });
  if (res === undefined) return undefined;
  if (res.status !== 200) {
    lastMiss = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    return undefined;
  }
  return (await res.json()) as PublicIncidentState;
}

/** True once the worker wrote the report (the API always names the report's URLs). */
export const reportWritten = (s: PublicIncidentState): boolean =>
  s.timeline.some((t) => t.kind === 'report_written');

/** The report as the intake serves it (rendered from the incident's state; reads need a token). */
export async function report(url: string): Promise<string> {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  return res.text();
}

export async function waitIncident(
  engine: Engine,
  id: string,
  until: (s: PublicIncidentState) => boolean,
  timeoutMs = 90_000,
): Promise<PublicIncidentState> {
  const deadline = Date.now() + timeoutMs;
  let last: PublicIncidentState | undefined;
  while (Date.now() < deadline) {
    last = await incident(engine, id);
    if (last && until(last)) return last;
    await sleep(300);
  }
  throw new Error(
    `incident ${id} never reached the expected state; last: ${last?.status ?? `none (${lastMiss})`}; engine alive: ${engine.alive()}`,
  );
}

/** An Alertmanager v4 webhook with these alerts (`fingerprint` and `labels` per alert). */
export function webhook(
  alerts: {
    labels: Record<string, string>;
    fingerprint: string;
    status?: 'firing' | 'resolved';
    annotations?: Record<string, string>;
  }[],
): unknown {
  return {
    version: '4',
    status: 'firing',
    receiver: 'firebreak',
    groupKey: '{}:{}',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: a.annotations ?? { summary: 'hardening test' },
      startsAt: '2026-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.test/graph',
      fingerprint: a.fingerprint,
    })),
  };
}

/** Posts one delivery; returns the incident ids it started or joined. */
export async function fire(engine: Engine, body: unknown): Promise<{ status: number; ids: string[] }> {
  const res = await api(engine, '/v1/alerts/alertmanager', { body, token: null });
  if (res.status !== 202) return { status: res.status, ids: [] };
  const parsed = (await res.json()) as { incidents: { id: string }[] };
  return { status: res.status, ids: parsed.incidents.map((i) => i.id) };
}
