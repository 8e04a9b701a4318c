/**
 * Start-or-join: each firing alert starts the incident workflow for (runbook, fingerprint) or, if
 * one is open under that workflow id, is signalled to it — in one server call, signal-with-start
 * (signal-with-start.ts), which the server applies atomically. Dedup therefore holds across any
 * number of intakes, and no delivery depends on winning a race: there are no attempts to exhaust.
 *
 * The in-memory maps only save round trips:
 * - `known`: the open run each workflow id was last seen with. A delivery for it is signalled to
 *   that run by id, which spares the server its current-run lookup (a tenth of its CPU per signal
 *   in an alert storm, pprof). A named run that has closed (resolved, or continued-as-new)
 *   answers NotFound, and the delivery goes through signal-with-start instead.
 * - `inflight`: a start-or-join in flight per workflow id; concurrent deliveries for the id wait
 *   for it, then take the named-run path.
 * Each run carries its incident id in its memo (incident-runs.ts); a run another intake started
 * is described once to learn it.
 *
 * A resolved delivery never starts anything: it is signalled to the open run, unless the alert
 * ended before that run's alert began firing (a late resolved of an earlier, closed incident).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { AlertInstance } from '../../contracts/alert';
import type { AlertSignal, IncidentInput } from '../../contracts/incident';
import type { Plan } from '../../contracts/plan';
import { incidentId, incidentWorkflowId } from '../../language/plan/context';
import { alertSignal } from '../../workflows/definitions';
import type { IncidentRun } from './incident-runs';
import { describeRun, incidentMemo } from './incident-runs';
import { signalWithStart } from './signal-with-start';

export type DispatchAction = 'started' | 'signalled' | 'resolved' | 'no_incident';

export interface DispatchResult {
  /** The incident's id (for `no_incident`, the workflow id no open incident runs under). */
  id: string;
  runbook: string;
  deduplicated: boolean;
  action: DispatchAction;
}

export interface DispatcherOptions {
  client: Client;
  taskQueue: string;
  links?: IncidentInput['links'];
  /** Max workflow ids remembered with their open run (oldest forgotten first). */
  knownMax?: number;
  /** Observes a start (receipt → workflow started, ms). */
  onStarted?: (incidentId: string, latencyMs: number) => void;
}

/** One delivery of one alert to one runbook's incident. */
interface Delivery {
  plan: Plan;
  workflowId: string;
  alert: AlertInstance;
  receivedAt: string;
  receivedMs: number;
}

export class Dispatcher {
  private readonly known = new Map<string, IncidentRun>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly describing = new Map<string, Promise<IncidentRun>>();
  private readonly knownMax: number;

  constructor(private readonly opts: DispatcherOptions) {
    this.knownMax = opts.knownMax ?? 50_000;
  }

  async deliver(
    plan: Plan,
    alert: AlertInstance,
    receivedAt: string,
    receivedMs: number,
  ): Promise<DispatchResult> {
    const workflowId = incidentWorkflowId(plan.runbook.id, alert.fingerprint);
    const d: Delivery = { plan, workflowId, alert, receivedAt, receivedMs };
    const runbook = plan.runbook.id;
    const pending = this.inflight.get(workflowId);
    if (pending) await pending.catch(() => undefined);
    if (alert.status === 'resolved') return this.resolve(d);

    const run = this.known.get(workflowId);
    if (run && (await this.signalRun(run, { alert, receivedAt }))) {
      return { id: run.incidentId, runbook, deduplicated: true, action: 'signalled' };
    }
    const joined = this.startOrJoin(d);
    if (!this.inflight.has(workflowId)) {
      this.inflight.set(workflowId, joined);
      void joined
        .finally(() => {
          if (this.inflight.get(workflowId) === joined) this.inflight.delete(workflowId);
        })
        .catch(() => undefined);
    }
    const { run: reached, started } = await joined;
    return started
      ? { id: reached.incidentId, runbook, deduplicated: false, action: 'started' }
      : { id: reached.incidentId, runbook, deduplicated: true, action: 'signalled' };
  }

  private async startOrJoin(d: Delivery): Promise<{ run: IncidentRun; started: boolean }> {
    const { workflowId, alert, receivedAt } = d;
    const deliveryId = randomUUID();
    const id = incidentId(workflowId, d.receivedMs);
    const input: IncidentInput = {
      incidentId: id,
      plan: d.plan,
      alert,
      receivedAt,
      deliveryId,
      ...(this.opts.links ? { links: this.opts.links } : {}),
    };
    const res = await signalWithStart(this.opts.client, {
      workflowId,
      taskQueue: this.opts.taskQueue,
      input,
      signal: { alert, receivedAt, deliveryId },
      memo: incidentMemo(id, alert),
    });
    if (res.started) {
      const run: IncidentRun = { workflowId, runId: res.runId, incidentId: id, firingSince: alert.startsAt };
      this.remember(run);
      this.opts.onStarted?.(id, Date.now() - d.receivedMs);
      return { run, started: true };
    }
    const run = await this.runById(workflowId, res.runId);
    this.remember(run);
    return { run, started: false };
  }

  /** Signals a resolved delivery to the open run it belongs to; never starts one. */
  private async resolve(d: Delivery): Promise<DispatchResult> {
    const { workflowId, alert, receivedAt } = d;
    const none: DispatchResult = {
      id: workflowId,
      runbook: d.plan.runbook.id,
      deduplicated: false,
      action: 'no_incident',
    };
    const known = this.known.get(workflowId);
    const candidates = known ? [known, undefined] : [undefined];
    for (const cached of candidates) {
      const run = cached ?? (await this.openRun(workflowId));
      if (!run || endedBefore(alert, run)) return none;
      if (await this.signalRun(run, { alert, receivedAt })) {
        return { id: run.incidentId, runbook: d.plan.runbook.id, deduplicated: true, action: 'resolved' };
      }
    }
    return none;
  }

  /** Signals `run` by id; false (and forgotten) when that run is no longer open. */
  private async signalRun(run: IncidentRun, signal: AlertSignal): Promise<boolean> {
    try {
      await this.opts.client.workflow.getHandle(run.workflowId, run.runId).signal(alertSignal, signal);
      this.remember(run);
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (this.known.get(run.workflowId)?.runId === run.runId) this.known.delete(run.workflowId);
      return false;
    }
  }

  /** The open run under `workflowId`, or undefined when none is. */
  private async openRun(workflowId: string): Promise<IncidentRun | undefined> {
    try {
      const d = await describeRun(this.opts.client, workflowId);
      return d.running ? d : undefined;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** Which incident run `runId` is: from the cache, else described once (concurrent asks share it). */
  private runById(workflowId: string, runId: string): Promise<IncidentRun> {
    const cached = this.known.get(workflowId);
    if (cached?.runId === runId) return Promise.resolve(cached);
    let p = this.describing.get(runId);
    if (!p) {
      p = describeRun(this.opts.client, workflowId, runId).finally(() => this.describing.delete(runId));
      this.describing.set(runId, p);
    }
    return p;
  }

  private remember(run: IncidentRun): void {
    this.known.delete(run.workflowId);
    this.known.set(run.workflowId, run);
    if (this.known.size > this.knownMax) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }
}

/** A resolved delivery whose alert ended before `run`'s alert began firing belongs to an earlier incident. */
function endedBefore(alert: AlertInstance, run: IncidentRun): boolean {
  if (alert.endsAt === undefined || run.firingSince === undefined) return false;
  const ended = Date.parse(alert.endsAt);
  const began = Date.parse(run.firingSince);
  return Number.isFinite(ended) && Number.isFinite(began) && ended < began;
}
