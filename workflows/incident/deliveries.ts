/**
 * Later deliveries of the incident's alert (issue #15, finding 3): only a delivery carrying the
 * incident's own labels acts on it. Alertmanager resends the full label set with every firing and
 * resolved notification, so a `resolved` that does not is not the alert this incident opened for —
 * a spoof, or another alert colliding on the fingerprint — and is recorded and ignored. Identical
 * resends are counted without growing the timeline.
 */
import type { AlertSignal } from '../../contracts/incident';
import type { AlertInstance } from '../../contracts/alert';
import type { IncidentControl } from './control';
import type { IncidentStore } from './store';

/** Conflicting deliveries put on the timeline; past this they are only counted. */
export const MAX_RECORDED_CONFLICTS = 20;

/** Label names whose values differ between the two sets (present in one only included), sorted. */
export function differingLabels(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  const has = (o: Readonly<Record<string, string>>, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  return [...names].filter((k) => has(a, k) !== has(b, k) || a[k] !== b[k]).sort();
}

/** FNV-1a over a canonical rendering: deterministic, cheap, and enough to tell a resend from a change. */
export function deliveryDigest(d: AlertInstance): string {
  const canon = (o: Record<string, string>) =>
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]);
  const text = JSON.stringify([d.status, canon(d.labels), canon(d.annotations), d.startsAt, d.endsAt ?? '']);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${h.toString(16).padStart(8, '0')}:${text.length}`;
}

/** Handles one delivery after the first. `terminal` tells whether the incident has ended. */
export function onDelivery(
  store: IncidentStore,
  control: IncidentControl,
  { alert: delivery, receivedAt }: AlertSignal,
  terminal: () => boolean,
): void {
  const differing = differingLabels(store.state.alert.labels, delivery.labels);
  if (differing.length > 0) {
    store.alertConflict(receivedAt, delivery.status, differing, MAX_RECORDED_CONFLICTS);
    return;
  }
  if (delivery.status === 'firing') {
    const digest = deliveryDigest(delivery);
    const last = store.state.alertLast?.digest ?? deliveryDigest(store.state.alert);
    store.alertDelivered(receivedAt, digest, digest === last);
    return;
  }
  if (store.state.alertResolvedAt) return;
  store.alertResolved('alert resolved', { receivedAt, endsAt: delivery.endsAt });
  // No remediation on a resolved alert: an incident still diagnosing or waiting for the first
  // approval is cancelled; once remediation started, the resolution confirms it instead.
  if (!control.remediationStarted && !terminal()) control.cancelMain('alert_resolved');
}
