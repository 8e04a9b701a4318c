/**
 * `GET /v1/incidents` without waiting on the worker. The list comes from Temporal's visibility; a
 * row's detail (status, pending approvals) is a state query, which the worker answers between
 * workflow tasks — during an alert storm that took seconds per query, and a page of 100 rows
 * took up to 71 s. So rows are served from a cache and refreshed behind the answer:
 *
 * - the visibility listing itself is reused for `listFreshMs`, then fetched again behind the
 *   answer the same way (only a first listing is waited for in full);
 * - a running incident's summary is re-queried when older than `freshMs`; the answer waits for
 *   refreshes only until `budgetMs` after the request arrived, then serves what it has, marking
 *   rows older than `freshMs` (or known only from visibility) `stale: true` — their refresh goes
 *   on in the background, at most `concurrency` queries at a time, one per incident;
 * - a closed incident's summary is read once (a completed run's result is its close event, read
 *   from the server without replaying anything on the worker) and cached for good.
 *
 * Rows are runs: several incidents of one alert run one after another under one workflow id, so
 * the cache is keyed by run id. A run that continued as new is listed by the run after it.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { INCIDENT_TYPE_FILTER } from '../../workflows/definitions';
import { stateOf } from './incident-lookup';
import { runOf } from './incident-runs';
import { fromVisibility, summarize } from './summary';
import type { IncidentSummary } from './summary';

export interface ListQuery {
  limit?: number;
  status?: 'open' | 'closed' | 'all';
}

export interface ListerOptions {
  /** How long an answer waits for refreshes, from the request's arrival (ms). */
  budgetMs?: number;
  /** Age after which a running incident's summary is refreshed (ms). */
  freshMs?: number;
  /** State queries in flight at once. */
  concurrency?: number;
  /** Summaries kept (least recently listed forgotten first). */
  maxCached?: number;
  /** A refresh not answered within this is abandoned (the row stays stale until the next listing). */
  queryTimeoutMs?: number;
  /** Age after which a visibility listing is fetched again (ms). */
  listFreshMs?: number;
}

/** One visibility listing (per status and limit), and its refresh if one is under way. */
interface Listing {
  execs: WorkflowExecutionInfo[];
  at: number;
  refreshing?: Promise<void>;
}

/** Waits for `p` until `deadline` (epoch ms) at most. */
async function until(p: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))));
  await Promise.race([p.catch(() => undefined), budget]);
  clearTimeout(timer);
}

interface Cached {
  summary: IncidentSummary;
  at: number;
  /** The run has closed: the summary never changes. */
  final: boolean;
}

/** The incidents' runs, newest first (a run that continued as new is listed as its successor). */
export async function listExecutions(client: Client, q: ListQuery): Promise<WorkflowExecutionInfo[]> {
  const limit = q.limit ?? 100;
  let query: string = INCIDENT_TYPE_FILTER;
  if (q.status === 'open') query += ` AND ExecutionStatus = 'Running'`;
  if (q.status === 'closed') query += ` AND ExecutionStatus != 'Running'`;
  const execs: WorkflowExecutionInfo[] = [];
  for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    if (w.status.name === 'CONTINUED_AS_NEW') continue;
    execs.push(w);
    if (execs.length >= limit) break;
  }
  return execs;
}

export class IncidentLister {
  private readonly cache = new Map<string, Cached>();
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private readonly budgetMs: number;
  private readonly freshMs: number;
  private readonly concurrency: number;
  private readonly maxCached: number;
  private readonly queryTimeoutMs: number;
  private readonly listFreshMs: number;
  private readonly listings = new Map<string, Listing>();

  constructor(
    private readonly client: Client,
    opts: ListerOptions = {},
  ) {
    this.budgetMs = opts.budgetMs ?? 100;
    this.freshMs = opts.freshMs ?? 5000;
    this.concurrency = opts.concurrency ?? 2;
    this.maxCached = opts.maxCached ?? 10_000;
    this.queryTimeoutMs = opts.queryTimeoutMs ?? 5000;
    this.listFreshMs = opts.listFreshMs ?? 1000;
  }

  async list(q: ListQuery): Promise<IncidentSummary[]> {
    const deadline = Date.now() + this.budgetMs;
    const execs = await this.executions(q, deadline);
    const pending = execs.filter((w) => !this.current(w)).map((w) => this.refresh(w));
    if (pending.length > 0) await until(Promise.all(pending), deadline);
    return execs.map((w) => this.row(w));
  }

  /** The listing for `q`: reused while fresh, else refreshed (waited for until `deadline` only once there is one). */
  private async executions(q: ListQuery, deadline: number): Promise<WorkflowExecutionInfo[]> {
    const key = `${q.status ?? 'all'}:${q.limit ?? 100}`;
    const known = this.listings.get(key);
    if (known && Date.now() - known.at < this.listFreshMs) return known.execs;
    const listing = known ?? { execs: [], at: 0 };
    listing.refreshing ??= listExecutions(this.client, q)
      .then((execs) => {
        listing.execs = execs;
        listing.at = Date.now();
      })
      .finally(() => (listing.refreshing = undefined));
    if (!known) {
      this.listings.set(key, listing);
      if (this.listings.size > 50) this.listings.delete(this.listings.keys().next().value as string);
      try {
        await listing.refreshing;
      } catch (err) {
        this.listings.delete(key);
        throw err;
      }
    } else await until(listing.refreshing, deadline);
    return listing.execs;
  }

  /** The cached summary when it is of this run and final or fresh. */
  private current(w: WorkflowExecutionInfo): Cached | undefined {
    const c = this.cache.get(w.runId);
    return c && (c.final || Date.now() - c.at < this.freshMs) ? c : undefined;
  }

  private row(w: WorkflowExecutionInfo): IncidentSummary {
    const c = this.cache.get(w.runId);
    if (!c) return { ...fromVisibility(w), stale: true };
    // Listed again: the most recently listed are the last forgotten.
    this.cache.delete(w.runId);
    this.cache.set(w.runId, c);
    return c.final || Date.now() - c.at < this.freshMs ? c.summary : { ...c.summary, stale: true };
  }

  private refresh(w: WorkflowExecutionInfo): Promise<void> {
    let p = this.refreshing.get(w.runId);
    if (!p) {
      p = this.slot(() => this.load(w)).finally(() => this.refreshing.delete(w.runId));
      this.refreshing.set(w.runId, p);
    }
    return p;
  }

  private async load(w: WorkflowExecutionInfo): Promise<void> {
    const at = Date.now();
    const running = w.status.name === 'RUNNING';
    let summary: IncidentSummary;
    try {
      const ref = { ...runOf(w), running };
      summary = summarize(
        await this.client.withDeadline(at + this.queryTimeoutMs, () => stateOf(this.client, ref)),
      );
    } catch {
      // Gone meanwhile, or not answering: visibility's view, refreshed on a later listing.
      this.store(w, { ...fromVisibility(w), stale: true }, at - this.freshMs, false);
      return;
    }
    this.store(w, summary, at, !running);
  }

  private store(w: WorkflowExecutionInfo, summary: IncidentSummary, at: number, final: boolean): void {
    this.cache.delete(w.runId);
    this.cache.set(w.runId, { summary, at, final });
    if (this.cache.size > this.maxCached) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  /** Runs `fn` once fewer than `concurrency` refreshes are running. */
  private async slot(fn: () => Promise<void>): Promise<void> {
    while (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
