/**
 * The seam between "what to run" (the wrapper script, see wrapper.ts) and "where": the local
 * machine or a host over SSH. Both start the script as a process-group leader, so the runner can
 * kill the whole group on timeout or cancellation.
 */
import type { Markers } from './wrapper';

/** A resolved place to run: host, port and login user (plus an optional bastion). */
export interface Endpoint {
  /** The host as written in the target (`db1`, `10.0.0.5:2222`): used in results and messages. */
  label: string;
  host: string;
  port: number;
  user: string;
  jump?: Endpoint;
}

export interface ExecRequest {
  /** The wrapper script, run by `/bin/sh -c`. */
  script: string;
  /** Bytes written to the script's stdin, then closed (secret lines). */
  stdin: string;
  onStdout(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
}

export interface ExitStatus {
  exitCode: number | null;
  signal?: string;
}

export interface RunningProcess {
  /** Settles when the process has exited and its output streams are drained. */
  readonly exited: Promise<ExitStatus>;
  /**
   * Kills process group `pgid` on the target (TERM, then KILL after a grace period) and, if the
   * process still has not exited, drops the stream so `exited` settles.
   */
  kill(pgid: number | undefined): Promise<void>;
  /** The wrapper's markers, once the run is over (what the transport may learn from them). */
  noteMarkers?(markers: Markers): void;
}

export interface Executor {
  readonly kind: 'local' | 'ssh';
  /** Starts the script; rejects when it cannot be started (connection, auth, host key). */
  start(endpoint: Endpoint, req: ExecRequest): Promise<RunningProcess>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}

/** Polls `cond` every `stepMs` until true or `maxMs` elapsed (bounded). */
export async function waitUntil(cond: () => boolean, maxMs: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return true;
}
