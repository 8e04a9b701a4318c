/**
 * The Temporal runtime of a worker process (installed once, before any connection): worker
 * heartbeats every {@link WORKER_HEARTBEAT_MS}, so the intakes' `/healthz` sees a worker that
 * left — even one that was SIGKILLed — within seconds, instead of trusting poller lists the
 * server keeps for minutes.
 */
import { Runtime } from '@temporalio/worker';
import { WORKER_HEARTBEAT_MS } from '../services/config/cluster';

/** Installs the worker runtime; a no-op (false) when one is already installed in this process. */
export function installWorkerRuntime(): boolean {
  try {
    Runtime.install({ workerHeartbeatInterval: WORKER_HEARTBEAT_MS });
    return true;
  } catch {
    return false;
  }
}
