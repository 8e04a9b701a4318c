/**
 * The generic and Grafana webhooks → normalized alerts. (Alertmanager's v4 payload is parsed by
 * alerts/alertmanager.ts.) Route schemas already checked the shapes; these map fields.
 */
import type { AlertmanagerAlert } from '../../frontend/alerts/alertmanager';
import { labelsFingerprint } from '../../frontend/alerts/alertmanager';
import type { AlertInstance } from '../../contracts/alert';

/**
 * Generic JSON (documented in intake/README.md):
 * `{ "alerts": [{ "status"?: "firing"|"resolved", "labels": {…}, "annotations"?: {…},
 *    "startsAt"?: RFC3339, "endsAt"?: RFC3339, "generatorURL"?: string, "fingerprint"?: string }] }`
 */
export interface GenericPayload {
  alerts: {
    status?: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    startsAt?: string;
    endsAt?: string;
    generatorURL?: string;
    fingerprint?: string;
  }[];
}

export function normalizeGeneric(body: GenericPayload, receivedAt: string): AlertInstance[] {
  return body.alerts.map((a) => ({
    status: a.status ?? 'firing',
    labels: a.labels,
    annotations: a.annotations ?? {},
    startsAt: a.startsAt ?? receivedAt,
    ...(a.endsAt ? { endsAt: a.endsAt } : {}),
    generatorURL: a.generatorURL ?? '',
    fingerprint: a.fingerprint || labelsFingerprint(a.labels),
    source: 'generic' as const,
  }));
}

/** Grafana unified alerting webhook (fields we read; it is Alertmanager-shaped with extras). */
export interface GrafanaPayload {
  receiver?: string;
  status: 'firing' | 'resolved';
  groupKey?: string;
  alerts: (AlertmanagerAlert & { dashboardURL?: string; panelURL?: string; silenceURL?: string })[];
}

const ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/;

export function normalizeGrafana(body: GrafanaPayload): AlertInstance[] {
  return body.alerts.map((a) => ({
    status: a.status,
    labels: a.labels,
    annotations: {
      ...(a.annotations ?? {}),
      ...(a.dashboardURL ? { dashboardURL: a.dashboardURL } : {}),
      ...(a.panelURL ? { panelURL: a.panelURL } : {}),
    },
    startsAt: a.startsAt,
    ...(a.endsAt && !ZERO_TIME.test(a.endsAt) ? { endsAt: a.endsAt } : {}),
    generatorURL: a.generatorURL ?? '',
    fingerprint: a.fingerprint || labelsFingerprint(a.labels),
    source: 'grafana' as const,
    ...(body.receiver ? { receiver: body.receiver } : {}),
    ...(body.groupKey ? { groupKey: body.groupKey } : {}),
  }));
}
