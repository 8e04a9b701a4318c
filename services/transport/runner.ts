/**
 * Runs one wrapped command on one endpoint and turns it into a {@link HostRecord}: watches the
 * wrapper's markers (pgid, idempotency outcome), enforces the timeout, honours cancellation by
 * killing the remote process group, and masks/extracts/caps the output.
 */
import type { HostRecord } from '../../contracts/incident';
import type { ExtractSpec } from '../../contracts/plan';
import { commandCancelled, commandTimeout, idempotencyUnknownOutcome } from './errors';
import { capText, extractAll, StreamBuffer } from './output';
import type { Endpoint, Executor, ExitStatus } from './transport';
import { waitUntil } from './transport';
import { parseMarkers } from './wrapper';
import type { Markers } from './wrapper';

export interface RunOptions {
  script: string;
  stdin: string;
  timeoutMs: number;
  outputCapBytes: number;
  extract: readonly ExtractSpec[];
  idempotencyKey?: string;
  /** This run's marker nonce (the first stdin line): only markers carrying it are believed. */
  markerNonce: string;
  mask: (text: string) => string;
  /** Aborts the run (activity cancelled, or a fail-fast sibling failed). */
  signal?: AbortSignal;
  /** Reason given when `signal` aborts: cancellation of the activity, or a sibling's failure. */
  abortReason?: () => Error;
}

/** How long a kill waits for the wrapper's pgid marker when it has not arrived yet. */
const MARKER_WAIT_MS = 5000;

export async function runOnEndpoint(
  executor: Executor,
  endpoint: Endpoint,
  opts: RunOptions,
): Promise<HostRecord> {
  const started = Date.now();
  const out = new StreamBuffer();
  const err = new StreamBuffer();
  let markers: Markers = { length: 0, complete: false };
  if (opts.signal?.aborted) throw opts.abortReason?.() ?? commandCancelled(endpoint.label);
  const proc = await executor.start(endpoint, {
    script: opts.script,
    stdin: opts.stdin,
    onStdout: (b) => out.push(b),
    onStderr: (b) => {
      err.push(b);
      if (!markers.complete) markers = parseMarkers(err.toBuffer(), opts.markerNonce);
    },
  });

  let stop: 'timeout' | 'abort' | undefined;
  let killing: Promise<void> | undefined;
  let over = false;
  const kill = (why: 'timeout' | 'abort') => {
    if (stop !== undefined) return;
    stop = why;
    killing = (async () => {
      // The command can be seen running on the target (a file it wrote, say) before the wrapper's
      // pgid marker has reached us: wait for it, bounded, rather than kill without a group and
      // leave the channel waiting on whatever the command started.
      if (markers.pgid === undefined)
        await waitUntil(() => markers.pgid !== undefined || markers.complete || over, MARKER_WAIT_MS);
      await proc.kill(markers.pgid);
    })().catch(() => undefined);
  };
  const timer = setTimeout(() => kill('timeout'), Math.max(1, opts.timeoutMs));
  const onAbort = () => kill('abort');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let status: ExitStatus;
  try {
    status = await proc.exited;
  } finally {
    over = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (killing) await killing;
  if (stop === 'timeout') throw commandTimeout(endpoint.label, opts.timeoutMs);
  if (stop === 'abort') throw opts.abortReason?.() ?? commandCancelled(endpoint.label);

  const errBuf = err.toBuffer();
  markers = parseMarkers(errBuf, opts.markerNonce);
  proc.noteMarkers?.(markers);
  if (markers.idem === 'unknown') throw idempotencyUnknownOutcome(endpoint.label, opts.idempotencyKey ?? '?');
  const stdoutFull = opts.mask(out.toBuffer().toString('utf8'));
  const stderrFull = opts.mask(errBuf.subarray(markers.length).toString('utf8'));
  const values = extractAll(opts.extract, { stdout: stdoutFull, stderr: stderrFull });
  const so = capText(stdoutFull, opts.outputCapBytes, out.dropped);
  const se = capText(stderrFull, opts.outputCapBytes, err.dropped);
  const rec: HostRecord = {
    host: endpoint.label,
    ok: status.exitCode === 0,
    exitCode: status.exitCode,
    stdout: so.text,
    stderr: se.text,
    truncated: so.truncated || se.truncated,
    durationMs: Date.now() - started,
    values,
  };
  if (status.signal !== undefined) rec.signal = status.signal;
  if (markers.idem === 'replayed') rec.replayed = true;
  return rec;
}
