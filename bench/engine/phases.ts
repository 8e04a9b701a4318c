/**
 * The phases of bench:engine, each against the running engine:
 * - sequential: one alert at a time, each waited for until both its commands ran on the target;
 * - storm: the Alertmanager storm, with a reader on the list API and the engine's and server's CPU;
 * - fill: more incidents, one delivery each, until the requested number await approval;
 * - approvals: approving the oldest incidents (evicted from the worker's cache if it is bounded)
 *   and the newest (still cached) one at a time, then the rest a few at a time, until resolved.
 */
import type { Client } from '@temporalio/client';
import type { LoadResult } from '../intake-load';
import { RUNBOOK_ID } from './fixture';
import type { CommandLog } from './fixture';
import { readHistories } from './histories';
import type { IncidentHistory } from './histories';
import { cpuSeconds } from './procstat';
import type { RssSampler } from './procstat';
import { pool, sleep } from './stats';
import { approve, ListReader, postAlert, storm } from './traffic';

export interface BenchContext {
  url: string;
  client: Client;
  log: CommandLog;
  prefix: string;
  enginePid: number;
  serverPid?: number;
  rss: RssSampler;
}

export const incidentId = (fp: string): string => `incident-${RUNBOOK_ID}-${fp}`;

/** Polls `check` until it holds; throws after `timeoutMs` naming `what`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Waits until both diagnostics of every fingerprint ran on the target. */
function diagnosed(
  ctx: BenchContext,
  fps: readonly string[],
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  return waitFor(
    `the diagnostics of ${fps.length} incidents`,
    () => ctx.log.refresh().count('uptime', fps) >= fps.length,
    timeoutMs,
    everyMs,
  );
}

/** Reads histories until every incident awaits approval (its second command done and handled). */
async function awaitingApproval(ctx: BenchContext, fps: readonly string[]): Promise<IncidentHistory[]> {
  let hs: IncidentHistory[] = [];
  await waitFor(
    `${fps.length} incidents to await approval`,
    async () => {
      hs = await readHistories(ctx.client, fps.map(incidentId));
      return hs.every((h) => h.awaitingApprovalAtMs !== undefined);
    },
    120_000,
    500,
  );
  return hs;
}

const firstCommandMs = (ctx: BenchContext, fp: string, h: IncidentHistory) =>
  (ctx.log.runs(fp, 'clock')[0]?.atMs ?? NaN) - h.receivedAtMs;

export interface SequentialResult {
  fps: string[];
  /** Receipt → first command on the target, ms, in order (the warm-up incident excluded). */
  firstCommand: number[];
}

export async function sequentialPhase(ctx: BenchContext, runs: number): Promise<SequentialResult> {
  const fps: string[] = [];
  for (let i = 0; i <= runs; i++) {
    const fp = `${ctx.prefix}-seq-${i}`;
    fps.push(fp);
    await postAlert(ctx.url, fp, i);
    await diagnosed(ctx, [fp], 60_000, 2);
  }
  const hs = await awaitingApproval(ctx, fps);
  return { fps, firstCommand: hs.slice(1).map((h, i) => firstCommandMs(ctx, fps[i + 1] as string, h)) };
}

export interface StormResult {
  fps: string[];
  load: LoadResult;
  seconds: number;
  histories: IncidentHistory[];
  receiptToStarted: number[];
  firstCommand: number[];
  /** From the first delivery until the last incident awaited approval, s. */
  allAwaitingS: number;
  reads: { latencies: number[]; failures: number };
  cpu: { engine: number; server: number };
  rssPeak: number;
}

export async function stormPhase(
  ctx: BenchContext,
  shape: { fingerprints: number; deliveries: number; concurrency: number },
): Promise<StormResult> {
  const fps = Array.from({ length: shape.fingerprints }, (_, i) => `${ctx.prefix}-s-${i}`);
  const cpu0 = { engine: cpuSeconds(ctx.enginePid), server: ctx.serverPid ? cpuSeconds(ctx.serverPid) : NaN };
  ctx.rss.reset();
  const reader = new ListReader(ctx.url);
  const wall0 = Date.now();
  const t0 = performance.now();
  const load = await storm(ctx.url, fps, shape.deliveries, shape.concurrency);
  const seconds = (performance.now() - t0) / 1000;
  await diagnosed(ctx, fps, 300_000);
  const cpu = {
    engine: cpuSeconds(ctx.enginePid) - cpu0.engine,
    server: ctx.serverPid ? cpuSeconds(ctx.serverPid) - cpu0.server : NaN,
  };
  const reads = await reader.stop();
  const rssPeak = ctx.rss.peak();
  const histories = await awaitingApproval(ctx, fps);
  return {
    fps,
    load,
    seconds,
    histories,
    receiptToStarted: histories.map((h) => h.startedAtMs - h.receivedAtMs),
    firstCommand: histories.map((h, i) => firstCommandMs(ctx, fps[i] as string, h)),
    allAwaitingS: (Math.max(...histories.map((h) => h.awaitingApprovalAtMs ?? NaN)) - wall0) / 1000,
    reads,
    cpu,
    rssPeak,
  };
}

export interface FillResult {
  fps: string[];
  seconds: number;
  rssPeak: number;
  rssAfter: number;
}

/** Opens `count` more incidents (one delivery each) and waits until they await approval too. */
export async function fillPhase(ctx: BenchContext, count: number, concurrency: number): Promise<FillResult> {
  const fps = Array.from({ length: count }, (_, i) => `${ctx.prefix}-f-${i}`);
  if (count === 0) return { fps, seconds: 0, rssPeak: ctx.rss.peak(), rssAfter: ctx.rss.sample() };
  const t0 = performance.now();
  const load = await storm(ctx.url, fps, count, concurrency);
  if (load.failed > 0) throw new Error(`${load.failed} of ${count} deliveries were refused`);
  await diagnosed(ctx, fps, 400_000, 200);
  const seconds = (performance.now() - t0) / 1000;
  await sleep(2000); // the approval requests, and the worker settling
  return { fps, seconds, rssPeak: ctx.rss.peak(), rssAfter: ctx.rss.sample() };
}

export interface ApprovalResult {
  /** One at a time: the oldest incidents, then the newest. */
  oldest: number[];
  newest: number[];
  all: number[];
  approved: string[];
  histories: IncidentHistory[];
}

/**
 * Approves `oldest` (first `sample` one at a time, the rest `concurrency` at a time) and `sample`
 * of `newest` one at a time; waits until every approved incident has run its remediation and
 * verify step and completed.
 */
export async function approvalPhase(
  ctx: BenchContext,
  oldest: string[],
  newest: string[],
  sample: number,
  concurrency: number,
): Promise<ApprovalResult> {
  const one = async (fps: string[]) => {
    const out: number[] = [];
    for (const fp of fps) out.push(await approve(ctx.url, incidentId(fp)));
    return out;
  };
  const first = await one(oldest.slice(0, sample));
  const fresh = newest.slice(-sample);
  const recent = await one(fresh);
  const rest = oldest.slice(sample);
  const more: number[] = [];
  await pool(rest.length, concurrency, async (i) =>
    more.push(await approve(ctx.url, incidentId(rest[i] as string))),
  );
  const approved = [...oldest, ...fresh];
  await waitFor(
    `${approved.length} approved incidents to verify`,
    () => ctx.log.refresh().count('verify', approved) >= approved.length,
    300_000,
    100,
  );
  let histories: IncidentHistory[] = [];
  await waitFor(
    `${approved.length} approved incidents to complete`,
    async () => {
      histories = await readHistories(ctx.client, approved.map(incidentId));
      return histories.every((h) => h.closed);
    },
    120_000,
    500,
  );
  return { oldest: first, newest: recent, all: [...first, ...recent, ...more], approved, histories };
}
