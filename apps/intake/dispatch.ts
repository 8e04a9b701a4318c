/**
 * Start-or-join: each firing alert starts the incident workflow for (runbook, fingerprint) or, if
 * one is running, is signalled to it. Dedup is by workflow id (`workflowIdConflictPolicy: FAIL`),
 * so it holds across intake replicas; the in-memory maps only save round trips:
 * - `inflight`: concurrent deliveries for an id being started wait for that start, then signal;
 * - `known`: ids recently seen running go straight to signal (a closed one answers NotFound and
 *   the delivery falls back to a fresh start — bounded retries). Where the run id is known (we
 *   started it), the signal names it: the server then skips its current-run lookup, a tenth of
 *   its CPU per signal in an alert storm (pprof). A named run that has closed (continued-as-new,
 *   or resolved) answers NotFound, and the delivery is re-sent to the current run.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { AlertInstance } from '../../contracts/alert';
import type { IncidentInput } from '../../contracts/incident';
import type { Plan } from '../../contracts/plan';
import { INCIDENT_WORKFLOW, alertSignal, incidentWorkflowId } from '../../workflows/definitions';

export type DispatchAction = 'started' | 'signalled' | 'resolved' | 'no_incident';

export interface DispatchResult {
  id: string;
  runbook: string;
  deduplicated: boolean;
  action: DispatchAction;
}

export interface DispatcherOptions {
  client: Client;
  taskQueue: string;
  links?: IncidentInput['links'];
  /** Max ids remembered as running (oldest forgotten first). */
  knownMax?: number;
  /** Observes a start (receipt → workflow started, ms). */
  onStarted?: (incidentId: string, latencyMs: number) => void;
}

const MAX_START_ATTEMPTS = 3;

export class Dispatcher {
  /** Ids seen running → their run id when we know it (we started it), else undefined. */
  private readonly known = new Map<string, string | undefined>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly knownMax: number;

  constructor(private readonly opts: DispatcherOptions) {
    this.knownMax = opts.knownMax ?? 50_000;
  }

  private remember(id: string, runId: string | undefined): void {
    this.known.delete(id);
    this.known.set(id, runId);
    if (this.known.size > this.knownMax) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }

  /** Signal a delivery; false when no run is open under the id (closed or never started). */
  private async signal(id: string, alert: AlertInstance, receivedAt: string): Promise<boolean> {
    const send = (runId?: string) =>
      this.opts.client.workflow.getHandle(id, runId).signal(alertSignal, { alert, receivedAt });
    const runId = this.known.get(id);
    if (runId !== undefined) {
      try {
        await send(runId);
        this.remember(id, runId);
        return true;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        // That run has closed; a later one (continue-as-new) may be open: ask for the current run.
      }
    }
    try {
      await send();
      this.remember(id, undefined);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        this.known.delete(id);
        return false;
      }
      throw err;
    }
  }

  async deliver(
    plan: Plan,
    alert: AlertInstance,
    receivedAt: string,
    receivedMs: number,
  ): Promise<DispatchResult> {
    const id = incidentWorkflowId(plan.runbook.id, alert.fingerprint);
    const runbook = plan.runbook.id;
    if (alert.status === 'resolved') {
      const pending = this.inflight.get(id);
      if (pending) await pending.catch(() => undefined);
      const ok = await this.signal(id, alert, receivedAt);
      return { id, runbook, deduplicated: ok, action: ok ? 'resolved' : 'no_incident' };
    }
    for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
      const pending = this.inflight.get(id);
      if (pending) await pending.catch(() => undefined);
      if (this.known.has(id) && (await this.signal(id, alert, receivedAt))) {
        return { id, runbook, deduplicated: true, action: 'signalled' };
      }
      if (this.inflight.has(id)) continue; // someone else began a start meanwhile: wait for it
      const input: IncidentInput = {
        incidentId: id,
        plan,
        alert,
        receivedAt,
        ...(this.opts.links ? { links: this.opts.links } : {}),
      };
      const start = this.opts.client.workflow.start(INCIDENT_WORKFLOW, {
        workflowId: id,
        taskQueue: this.opts.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        // With a worker on the same connection (the engine), the first workflow task comes back
        // in the start's answer and runs at once instead of queueing behind a storm's signals.
        requestEagerStart: true,
      });
      this.inflight.set(id, start);
      try {
        const handle = await start;
        this.remember(id, handle.firstExecutionRunId);
        this.opts.onStarted?.(id, Date.now() - receivedMs);
        return { id, runbook, deduplicated: false, action: 'started' };
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        // Running already (another replica, or a start we did not see): join it.
        if (await this.signal(id, alert, receivedAt))
          return { id, runbook, deduplicated: true, action: 'signalled' };
        // It closed between our start and our signal: loop and start a new run.
      } finally {
        if (this.inflight.get(id) === start) this.inflight.delete(id);
      }
    }
    throw new Error(`could not start or join incident ${id} after ${MAX_START_ATTEMPTS} attempts`);
  }
}
