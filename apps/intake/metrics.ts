/** Prometheus metrics of the intake (a registry per app, so tests and the engine can run several). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): IntakeMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'firebreak_' });
  const registers = [registry];
  return {
    registry,
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
      help: 'Approval decisions submitted, by outcome (accepted, refused, replayed, forged, expired)',
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
