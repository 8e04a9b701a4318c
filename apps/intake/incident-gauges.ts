/**
 * Metrics read from the incidents themselves, on scrape: open incidents by status, pending
 * approvals and the age of the oldest, open incidents by escalation level; and, from their
 * timelines, what this intake does not see pass through it — decisions made with the CLI (which
 * talks to Temporal directly) and escalation pages.
 *
 * Cost: one visibility listing of open incidents and one of those closed since the last reading,
 * then one state query per incident (8 at a time, at most `maxIncidents` of each), no more often
 * than `refreshMs` however often Prometheus scrapes; a scrape waits at most `waitMs` for a reading
 * and otherwise serves the previous one. Querying a closed incident replays it on a worker, which is
 * why only those closed since the previous reading are read (to count their last decisions).
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { IncidentState, IncidentStatus, TimelineEntry } from '../../contracts/incident';
import { INCIDENT_STATUSES, TERMINAL_STATUSES } from '../../contracts/incident';
import { INCIDENT_TYPE_FILTER, stateQuery } from '../../workflows/definitions';
import { mapLimit } from './map-limit';
import type { IncidentMetrics, IntakeMetrics } from './metrics';

/** Channels whose decisions reach Temporal without this intake, so only the incidents show them. */
export const OBSERVED_CHANNELS: ReadonlySet<string> = new Set(['cli']);

/** Every status an incident can be open in (each gets a gauge, 0 when none is in it). */
export const OPEN_STATUSES: readonly IncidentStatus[] = INCIDENT_STATUSES.filter(
  (s) => !TERMINAL_STATUSES.includes(s),
);

/** How far back closed incidents are read again, for visibility that lags behind a close. */
const CLOSE_OVERLAP_MS = 60_000;

export interface IncidentGaugeOptions {
  /** Incidents read per listing (open; closed since the last reading); default 500. */
  maxIncidents?: number;
  /** State queries in flight; default 8. */
  concurrency?: number;
  /** How long a scrape waits for a reading before serving the previous one; default 5 s. */
  waitMs?: number;
  now?: () => number;
}

/** The key under which a timeline entry is counted once, across scans and continued runs. */
function entryKey(id: string, e: TimelineEntry): string {
  const level = e.kind === 'escalated' ? e.data.level : '';
  return `${id}|${e.at}|${e.kind}|${e.stepId ?? ''}|${e.actor?.person ?? ''}|${level}`;
}

export class IncidentGauges {
  private readonly m: IncidentMetrics;
  private readonly maxIncidents: number;
  private readonly concurrency: number;
  private readonly waitMs: number;
  private readonly now: () => number;
  /** Entries dated before this (the intake's start) are history, not counted. */
  private readonly countFrom: number;
  private lastScanStart = 0;
  private lastScanEnd = 0;
  private running: Promise<void> | undefined;
  /** Counted entries, per incident id (pruned to the incidents the last scan read). */
  private seen = new Map<string, Set<string>>();

  constructor(
    private readonly client: Client,
    private readonly metrics: IntakeMetrics,
    opts: IncidentGaugeOptions = {},
  ) {
    this.m = metrics.incidents;
    this.maxIncidents = opts.maxIncidents ?? 500;
    this.concurrency = opts.concurrency ?? 8;
    this.waitMs = opts.waitMs ?? 5000;
    this.now = opts.now ?? Date.now;
    this.countFrom = this.now();
  }

  /** Brings the metrics up to date when the last reading is stale. Never throws. */
  async refresh(): Promise<void> {
    if (!this.running && this.now() - this.lastScanEnd < this.m.refreshMs && this.lastScanEnd > 0) return;
    this.running ??= this.scan()
      .catch(() => this.m.scanErrors.inc())
      .finally(() => {
        this.running = undefined;
      });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running,
      new Promise<void>((r) => {
        timer = setTimeout(r, this.waitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async list(query: string): Promise<{ execs: WorkflowExecutionInfo[]; truncated: boolean }> {
    const execs: WorkflowExecutionInfo[] = [];
    for await (const w of this.client.workflow.list({ query, pageSize: Math.min(this.maxIncidents, 100) })) {
      if (execs.length >= this.maxIncidents) return { execs, truncated: true };
      execs.push(w);
    }
    return { execs, truncated: false };
  }

  private async read(execs: WorkflowExecutionInfo[]): Promise<IncidentState[]> {
    const states = await mapLimit(execs, this.concurrency, async (w) => {
      try {
        return await this.client.workflow.getHandle(w.workflowId, w.runId).query(stateQuery);
      } catch {
        this.m.scanErrors.inc();
        return undefined;
      }
    });
    return states.filter((s): s is IncidentState => s !== undefined);
  }

  private async scan(): Promise<void> {
    const started = this.now();
    const closedSince = new Date(Math.max(this.countFrom, this.lastScanStart) - CLOSE_OVERLAP_MS);
    const base = INCIDENT_TYPE_FILTER;
    const [open, closed] = await Promise.all([
      this.list(`${base} AND ExecutionStatus = 'Running'`),
      this.list(`${base} AND ExecutionStatus != 'Running' AND CloseTime > '${closedSince.toISOString()}'`),
    ]);
    const [openStates, closedStates] = await Promise.all([this.read(open.execs), this.read(closed.execs)]);
    this.setGauges(openStates.filter((s) => !TERMINAL_STATUSES.includes(s.status)));
    this.count([...openStates, ...closedStates]);
    this.m.scanned.set(openStates.length + closedStates.length);
    this.m.truncated.set(open.truncated || closed.truncated ? 1 : 0);
    this.lastScanStart = started;
    this.lastScanEnd = this.now();
    this.m.scanSeconds.set((this.lastScanEnd - started) / 1000);
  }

  private setGauges(open: IncidentState[]): void {
    const now = this.now();
    this.m.open.reset();
    for (const status of OPEN_STATUSES) this.m.open.set({ status }, 0);
    this.m.byEscalationLevel.reset();
    let pending = 0;
    let oldest = now;
    for (const s of open) {
      this.m.open.inc({ status: s.status });
      this.m.byEscalationLevel.inc({ level: String(s.escalation.level + 1) });
      pending += s.pendingApprovals.length;
      for (const p of s.pendingApprovals) oldest = Math.min(oldest, Date.parse(p.requestedAt));
    }
    this.m.pendingApprovals.set(pending);
    this.m.oldestPendingApproval.set(pending > 0 ? Math.max(0, (now - oldest) / 1000) : 0);
  }

  /** Counts, once each, the decisions through observed channels and the escalation pages since start. */
  private count(states: IncidentState[]): void {
    const seen = new Map<string, Set<string>>();
    for (const s of states) {
      const keys = seen.get(s.id) ?? this.seen.get(s.id) ?? new Set<string>();
      seen.set(s.id, keys);
      for (const e of s.timeline) {
        if (Date.parse(e.at) < this.countFrom) continue;
        const key = entryKey(s.id, e);
        if (keys.has(key)) continue;
        if (this.countEntry(e)) keys.add(key);
      }
    }
    this.seen = seen;
  }

  /** Counts `e` when it is a counted kind; true when it was. */
  private countEntry(e: TimelineEntry): boolean {
    const { approvals } = this.metrics;
    switch (e.kind) {
      case 'approved':
      case 'rejected':
        if (!OBSERVED_CHANNELS.has(e.actor.channel)) return false;
        approvals.inc({
          decision: e.kind === 'approved' ? 'approve' : 'reject',
          channel: e.actor.channel,
          outcome: 'accepted',
        });
        return true;
      case 'approval_refused':
        if (!OBSERVED_CHANNELS.has(e.actor.channel)) return false;
        if (e.data.action !== 'approve' && e.data.action !== 'reject') return false;
        approvals.inc({ decision: e.data.action, channel: e.actor.channel, outcome: 'refused' });
        return true;
      case 'escalated':
        if (e.data.levelName === undefined) return false; // "paging stops", not a page
        this.m.escalations.inc({ level: String(e.data.level + 1) });
        return true;
      default:
        return false;
    }
  }
}
