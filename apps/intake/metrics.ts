/** Prometheus metrics of the intake (a registry per app, so tests and the engine can run several). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface IntakeMetrics {
  registry: Registry;
  alertsReceived: Counter<'source' | 'status'>;
  alertsUnmatched: Counter<'source'>;
  alertsDeduplicated: Counter;
  incidentsStarted: Counter<'runbook'>;
  approvals: Counter<'decision' | 'channel' | 'outcome'>;
  notifications: Counter<'kind' | 'outcome'>;
  requestDuration: Histogram<'method' | 'route' | 'code'>;
  startLatency: Histogram;
  /** Read from the incidents themselves (incident-gauges.ts). */
  incidents: IncidentMetrics;
}

/** What the incidents' own state says, refreshed on scrape (incident-gauges.ts). */
export interface IncidentMetrics {
  /** A scrape re-reads the incidents when the last reading is older than this (ms). */
  refreshMs: number;
  open: Gauge<'status'>;
  pendingApprovals: Gauge;
  oldestPendingApproval: Gauge;
  byEscalationLevel: Gauge<'level'>;
  escalations: Counter<'level'>;
  scanSeconds: Gauge;
  scanned: Gauge;
  truncated: Gauge;
  scanErrors: Counter;
}

function incidentMetrics(registers: Registry[], refreshMs: number): IncidentMetrics {
  return {
    refreshMs,
    open: new Gauge({
      name: 'firebreak_incidents_open',
      help: 'Open incidents by status',
      labelNames: ['status'],
      registers,
    }),
    pendingApprovals: new Gauge({
      name: 'firebreak_approvals_pending',
      help: 'Approval requests waiting for a decision, over all open incidents',
      registers,
    }),
    oldestPendingApproval: new Gauge({
      name: 'firebreak_approvals_pending_oldest_seconds',
      help: 'Age of the oldest approval request still waiting (0 when none)',
      registers,
    }),
    byEscalationLevel: new Gauge({
      name: 'firebreak_incidents_open_escalation_level',
      help: 'Open incidents by the escalation level paged last (1 = the opening page)',
      labelNames: ['level'],
      registers,
    }),
    escalations: new Counter({
      name: 'firebreak_escalations_total',
      help: 'Escalation pages seen on incidents since this intake started, by level paged (2 = the first escalation)',
      labelNames: ['level'],
      registers,
    }),
    scanSeconds: new Gauge({
      name: 'firebreak_incident_scan_seconds',
      help: 'How long the last reading of the incidents took',
      registers,
    }),
    scanned: new Gauge({
      name: 'firebreak_incident_scan_incidents',
      help: 'Incidents read by the last scan (open, plus those closed since the scan before)',
      registers,
    }),
    truncated: new Gauge({
      name: 'firebreak_incident_scan_truncated',
      help: '1 when the last scan stopped at its limit of incidents (the gauges then undercount)',
      registers,
    }),
    scanErrors: new Counter({
      name: 'firebreak_incident_scan_errors_total',
      help: 'Incidents or listings the scan could not read',
      registers,
    }),
  };
}

export interface MetricsOptions {
  defaultMetrics?: boolean;
  /** Minimum interval between two readings of the incidents (default 15 s; 0 reads on every scrape). */
  incidentRefreshMs?: number;
}

export function createMetrics(opts: MetricsOptions = {}): IntakeMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'firebreak_' });
  const registers = [registry];
  return {
    registry,
    incidents: incidentMetrics(registers, opts.incidentRefreshMs ?? 15_000),
    alertsReceived: new Counter({
      name: 'firebreak_alerts_received_total',
      help: 'Alerts received, by source and status',
      labelNames: ['source', 'status'],
      registers,
    }),
    alertsUnmatched: new Counter({
      name: 'firebreak_alerts_unmatched_total',
      help: 'Firing alerts no runbook matched',
      labelNames: ['source'],
      registers,
    }),
    alertsDeduplicated: new Counter({
      name: 'firebreak_alerts_deduplicated_total',
      help: 'Deliveries joined to a running incident',
      registers,
    }),
    incidentsStarted: new Counter({
      name: 'firebreak_incidents_started_total',
      help: 'Incident workflows started',
      labelNames: ['runbook'],
      registers,
    }),
    approvals: new Counter({
      name: 'firebreak_approvals_total',
      help: 'Approval decisions by channel and outcome (accepted, refused, replayed, forged, expired); CLI decisions are read from the incidents on scrape',
      labelNames: ['decision', 'channel', 'outcome'],
      registers,
    }),
    notifications: new Counter({
      name: 'firebreak_notifications_total',
      help: 'Notification deliveries observed in this process',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'firebreak_http_request_duration_seconds',
      help: 'Intake HTTP request durations',
      labelNames: ['method', 'route', 'code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    startLatency: new Histogram({
      name: 'firebreak_alert_to_start_seconds',
      help: 'Webhook receipt to incident workflow started',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

/** A `createNotifyActivities({ onDelivered })` hook counting deliveries when the worker shares the process. */
export function observeNotifications(
  m: IntakeMetrics,
): (kind: string, result: { deliveries: { ok: boolean }[] }) => void {
  return (kind, result) => {
    for (const d of result.deliveries) m.notifications.inc({ kind, outcome: d.ok ? 'delivered' : 'failed' });
  };
}
