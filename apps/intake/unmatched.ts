/**
 * Alerts no runbook matched, kept where on-call looks: each firing one is logged (rate-limited, so
 * a storm of unknown alerts cannot flood the log) and the most recent are listed by
 * `GET /v1/alerts/unmatched` and `firebreak alert unmatched`. One entry per fingerprint: a repeat
 * moves it to the front and counts. Kept in memory, per intake process.
 */
import type { AlertInstance } from '../../contracts/alert';

/** One unmatched alert as listed. */
export interface UnmatchedEntry {
  fingerprint: string;
  alertname?: string;
  source: AlertInstance['source'];
  /** Status of the latest delivery. */
  status: AlertInstance['status'];
  labels: Record<string, string>;
  summary?: string;
  /** Receipt of the first and of the latest delivery (ISO). */
  firstSeen: string;
  lastSeen: string;
  /** Deliveries seen (firing and resolved). */
  deliveries: number;
  /** The catch-all runbook that took it, when one is configured and its trigger matched. */
  caughtBy?: string;
}

export interface UnmatchedOptions {
  /** Where log lines go (the engine's log, the standalone intake's stderr). */
  log: (line: string) => void;
  /** Entries kept (oldest dropped first); default 200. */
  keep?: number;
  /** Log lines per minute before the rest are only counted; default 10. */
  linesPerMinute?: number;
  now?: () => number;
}

const MAX_LABEL_TEXT = 300;

function labelText(labels: Record<string, string>): string {
  const t = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return t.length > MAX_LABEL_TEXT ? `${t.slice(0, MAX_LABEL_TEXT)}…` : t;
}

export class UnmatchedAlerts {
  private readonly entries = new Map<string, UnmatchedEntry>();
  private readonly keep: number;
  private readonly budget: number;
  private readonly now: () => number;
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(private readonly opts: UnmatchedOptions) {
    this.keep = opts.keep ?? 200;
    this.budget = opts.linesPerMinute ?? 10;
    this.now = opts.now ?? Date.now;
  }

  /** Records one delivery no runbook matched (`caughtBy`: the catch-all that took it). */
  record(alert: AlertInstance, receivedAt: string, caughtBy?: string): void {
    const old = this.entries.get(alert.fingerprint);
    this.entries.delete(alert.fingerprint);
    const summary = alert.annotations.summary ?? alert.annotations.description;
    this.entries.set(alert.fingerprint, {
      fingerprint: alert.fingerprint,
      ...(alert.labels.alertname ? { alertname: alert.labels.alertname } : {}),
      source: alert.source,
      status: alert.status,
      labels: alert.labels,
      ...(summary ? { summary } : {}),
      firstSeen: old?.firstSeen ?? receivedAt,
      lastSeen: receivedAt,
      deliveries: (old?.deliveries ?? 0) + 1,
      ...(caughtBy ? { caughtBy } : {}),
    });
    if (this.entries.size > this.keep) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    if (alert.status === 'firing') this.logLine(alert, caughtBy);
  }

  /** The latest `limit` entries, most recent first. */
  recent(limit = this.keep): UnmatchedEntry[] {
    return [...this.entries.values()].reverse().slice(0, limit);
  }

  private logLine(alert: AlertInstance, caughtBy: string | undefined): void {
    const t = this.now();
    if (t - this.windowStart >= 60_000) {
      if (this.suppressed > 0)
        this.opts.log(
          `${this.suppressed} more unmatched alert(s) were not logged in the previous minute (GET /v1/alerts/unmatched lists them)`,
        );
      this.windowStart = t;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (this.logged >= this.budget) {
      this.suppressed++;
      return;
    }
    this.logged++;
    const name = alert.labels.alertname ?? '(no alertname)';
    const route = caughtBy ? `routed to the catch-all runbook ${caughtBy}` : 'no runbook matches it';
    this.opts.log(
      `unmatched alert ${name} (fingerprint ${alert.fingerprint}, ${alert.source}): ${route}; labels ${labelText(alert.labels)}`,
    );
  }
}
