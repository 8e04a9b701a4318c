/**
 * One alert, normalized from whichever webhook delivered it (Alertmanager v4, Grafana, generic).
 * Pure types: imported by workflow code.
 */
export interface AlertInstance {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339 timestamps as delivered. */
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
  /** Alertmanager's fingerprint, or a stable hash of the sorted labels when the sender gave none. */
  fingerprint: string;
  source: 'alertmanager' | 'grafana' | 'generic';
  /** Alertmanager `receiver` / `groupKey`, kept for the report. */
  receiver?: string;
  groupKey?: string;
}
