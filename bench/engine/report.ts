/** bench:engine's printout: each figure beside the limit measured in the same run, and the checks. */
import { approveRetries } from './traffic';
import type { TemporalLimit } from './limits';
import type { ApprovalResult, FillResult, SequentialResult, StormResult } from './phases';
import { mb, median, ms, pct, ratio } from './stats';
import type { Check } from './verify';
import { passed } from './verify';

export interface BenchFigures {
  title: string;
  loads: string[];
  ssh: number[];
  temporal: TemporalLimit;
  sequential: SequentialResult;
  storm: StormResult;
  fill: FillResult;
  approvals?: ApprovalResult;
  openIncidents: number;
  checks: Check[];
  seconds: number;
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const row = (label: string, text: string) => `  ${label.padEnd(42)}${text}`;

function latencyRows(f: BenchFigures): string[] {
  const { temporal: t, ssh, sequential: q, storm: s } = f;
  const limit50 = median(t.firstActivity) + median(ssh);
  const limit99 = pct(t.firstActivity, 99) + pct(ssh, 99);
  const early = q.firstCommand.slice(0, 12);
  const late = q.firstCommand.slice(12);
  return [
    row(
      'receipt → workflow started (storm)',
      `p50 ${ms(pct(s.load.startedHttp, 50))} p99 ${ms(pct(s.load.startedHttp, 99))} (the 202 of each starting delivery; server event time − receipt p50 ${ms(pct(s.receiptToStarted, 50))} p99 ${ms(pct(s.receiptToStarted, 99))})`,
    ),
    row(
      '',
      `limit: bare start call, same shape p50 ${ms(pct(t.startLatency, 50))} p99 ${ms(pct(t.startLatency, 99))}   ratio p50 ${ratio(pct(s.load.startedHttp, 50), pct(t.startLatency, 50))} p99 ${ratio(pct(s.load.startedHttp, 99), pct(t.startLatency, 99))}`,
    ),
    row(
      'receipt → first command (sequential)',
      `p50 ${ms(median(q.firstCommand))} p99 ${ms(pct(q.firstCommand, 99))} (${q.firstCommand.length} incidents; first 12 median ${ms(median(early))}, later ${ms(median(late))})   target p50 < 40 ms, p99 < 100 ms`,
    ),
    row(
      '',
      `limit: bare start → first activity + bare ssh2 exec = p50 ${ms(limit50)} p99 ${ms(limit99)}   ratio p50 ${ratio(median(q.firstCommand), limit50)} p99 ${ratio(pct(q.firstCommand, 99), limit99)}`,
    ),
    row(
      'receipt → first command (storm)',
      `p50 ${ms(pct(s.firstCommand, 50))} p99 ${ms(pct(s.firstCommand, 99))}   target p99 < 1000 ms   ratio to the sequential limit p50 ${ratio(pct(s.firstCommand, 50), limit50)}`,
    ),
  ];
}

function stormRows(f: BenchFigures): string[] {
  const { temporal: t, storm: s } = f;
  const rate = f.storm.load.http.length / s.seconds;
  const n = s.fps.length;
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return [
    row(
      'accepted alerts/s',
      `${rate.toFixed(0)}   limit: bare Temporal loop, same shape ${t.perS.toFixed(0)}/s (starts ${t.startsPerS.toFixed(0)}/s, signals ${t.signalsPerS.toFixed(0)}/s)   ratio ${ratio(rate, t.perS)}   target ≥ 0.80×`,
    ),
    row(
      'all incidents await approval after',
      `${s.allAwaitingS.toFixed(1)} s (storm itself ${s.seconds.toFixed(1)} s)`,
    ),
    row(
      'GET /v1/incidents during the storm',
      `p50 ${ms(pct(s.reads.latencies, 50))} p99 ${ms(pct(s.reads.latencies, 99))} max ${ms(Math.max(...s.reads.latencies))} (${s.reads.latencies.length} reads, ${s.reads.failures} failed)   target p99 < 200 ms`,
    ),
    row(
      'CPU-seconds per incident',
      `engine ${(s.cpu.engine / n).toFixed(3)} s, Temporal server ${(s.cpu.server / n).toFixed(3)} s   limit: bare client+worker ${t.clientCpuPerWorkflow.toFixed(3)} s, server ${t.serverCpuPerWorkflow.toFixed(3)} s   ratio engine ${ratio(s.cpu.engine / n, t.clientCpuPerWorkflow)}, server ${ratio(s.cpu.server / n, t.serverCpuPerWorkflow)}`,
    ),
    row(
      'history per incident (awaiting approval)',
      `${kb(avg(s.histories.map((h) => h.bytes)))}, ${avg(s.histories.map((h) => h.events)).toFixed(1)} events (max ${kb(Math.max(...s.histories.map((h) => h.bytes)))}, ${Math.max(...s.histories.map((h) => h.events))} events; ${(f.storm.load.http.length / n).toFixed(0)} deliveries each)`,
    ),
  ];
}

function memoryRows(f: BenchFigures): string[] {
  const a = f.approvals;
  const out = [
    row(
      'worker RSS peak',
      `storm ${mb(f.storm.rssPeak)}; with ${f.openIncidents} incidents awaiting approval ${mb(f.fill.rssPeak)} (now ${mb(f.fill.rssAfter)})   target < 400 MB at 1,000`,
    ),
  ];
  if (f.fill.fps.length > 0)
    out.push(
      row('', `${f.fill.fps.length} more incidents opened and diagnosed in ${f.fill.seconds.toFixed(1)} s`),
    );
  if (a) {
    const done = a.histories;
    const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
    out.push(
      row(
        'approve (API answer)',
        `oldest incidents p50 ${ms(median(a.oldest))} max ${ms(Math.max(...a.oldest))}; newest p50 ${ms(median(a.newest))} max ${ms(Math.max(...a.newest))}; all ${a.all.length} p50 ${ms(median(a.all))} p99 ${ms(pct(a.all, 99))}; ${approveRetries.length} answered 503 and were sent again${approveRetries.length ? ` (${approveRetries[0]})` : ''}`,
      ),
      row(
        'history per resolved incident',
        `${kb(avg(done.map((h) => h.bytes)))}, ${avg(done.map((h) => h.events)).toFixed(1)} events (diagnose, approve, remediate, verify, resolve, report)`,
      ),
    );
  }
  return out;
}

export function formatReport(f: BenchFigures): string {
  const ok = f.checks.every(passed);
  return [
    f.title,
    `  load average (1 min) at start/storm/end: ${f.loads.join(' / ')}`,
    row('bare ssh2 exec (limit)', `p50 ${ms(median(f.ssh))} p99 ${ms(pct(f.ssh, 99))}`),
    row(
      'bare start → first activity (limit)',
      `p50 ${ms(median(f.temporal.firstActivity))} p99 ${ms(pct(f.temporal.firstActivity, 99))}`,
    ),
    ...stormRows(f),
    ...latencyRows(f),
    ...memoryRows(f),
    '  checks:',
    ...f.checks.map((c) => `    ${passed(c) ? 'ok  ' : 'FAIL'} ${c.what}: ${c.found} of ${c.expected}`),
    `  verdict: ${ok ? 'every count verified' : 'COUNTS DO NOT ADD UP'}; ${f.seconds.toFixed(0)} s in all`,
  ].join('\n');
}
