/** The trigger alert: its facts, labels and annotations, and each delivery of it. */
import type { ModelContext } from './context';
import { entriesOf } from './context';
import type { ReportModel } from './model';
import { eventLabel } from './timeline';

/** The alert that started the incident, every text masked, labels sorted by name. */
export function alertFacts(ctx: ModelContext): ReportModel['alert'] {
  const m = ctx.mask;
  const alert = ctx.state.alert;
  const facts: ReportModel['alert'] = {
    status: m(alert?.status),
    source: m(alert?.source),
    fingerprint: m(alert?.fingerprint),
    startsAt: m(alert?.startsAt),
    generatorURL: m(alert?.generatorURL),
    labels: sortedEntries(alert?.labels).map(([k, v]) => [m(k), m(v)]),
    annotations: sortedEntries(alert?.annotations).map(([k, v]) => [m(k), m(v)]),
  };
  if (alert?.endsAt) facts.endsAt = m(alert.endsAt);
  if (alert?.receiver) facts.receiver = m(alert.receiver);
  if (alert?.groupKey) facts.groupKey = m(alert.groupKey);
  return facts;
}

/** Each time the alert source delivered the alert (first, repeats, resolved). */
export function alertDeliveries(ctx: ModelContext): ReportModel['alertDeliveries'] {
  return entriesOf(ctx.state, 'alert_received', 'alert_repeated', 'alert_resolved').map((e) => ({
    at: ctx.mask(e.at),
    event: eventLabel(e.kind),
    message: ctx.mask(e.message),
  }));
}

function sortedEntries(record: Record<string, string> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
