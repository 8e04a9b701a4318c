/**
 * Timeline rows: every entry of the audit trail, in order, with what the step records and the
 * entry's typed data add to its message.
 */
import type { TimelineEntry, TimelineKind } from '../../contracts/incident';
import { decisionCommentDetails } from './approvals';
import type { ModelContext } from './context';
import { actorText } from './context';
import { formatOffset } from './format';
import type { TimelineRow } from './model';
import { recipients } from './notifications';
import { commandDetails, outcomeDetails } from './steps';

const EVENT_LABELS: Record<TimelineKind, string> = {
  alert_received: 'Alert received',
  alert_repeated: 'Alert repeated',
  alert_conflict: 'Alert with other labels (ignored)',
  alert_resolved: 'Alert resolved',
  status_changed: 'Status changed',
  step_started: 'Step started',
  step_finished: 'Step finished',
  step_skipped: 'Step skipped',
  condition_evaluated: 'Condition evaluated',
  approval_requested: 'Approval requested',
  approved: 'Approved',
  rejected: 'Rejected',
  approval_expired: 'Approval expired',
  approval_refused: 'Approval refused',
  acknowledged: 'Acknowledged',
  note: 'Note',
  closed: 'Closed',
  notification_sent: 'Notification sent',
  notification_failed: 'Notification failed',
  escalated: 'Escalated',
  report_written: 'Report written',
};

/** Human-readable label of a timeline kind (unknown kinds pass through). */
export function eventLabel(kind: string): string {
  return (EVENT_LABELS as Record<string, string>)[kind] ?? kind;
}

/** One row per timeline entry, numbered from 1, with its offset from the incident's start. */
export function timelineRows(ctx: ModelContext): TimelineRow[] {
  const { state, mask: m } = ctx;
  return (state.timeline ?? []).map((e, i) => ({
    n: i + 1,
    at: m(e.at),
    offset: formatOffset(state.startedAt, e.at),
    kind: e.kind,
    event: eventLabel(e.kind),
    actor: actorText(ctx, e.actor),
    step: m(e.stepId ?? ''),
    message: m(e.message),
    details: entryDetails(ctx, e),
  }));
}

/** What a row shows under the entry's message. Masked. */
function entryDetails(ctx: ModelContext, e: TimelineEntry): string[] {
  const step = e.stepId ? ctx.stepsById.get(e.stepId) : undefined;
  switch (e.kind) {
    case 'step_started':
      return step ? commandDetails(ctx, step) : [];
    case 'step_finished':
      // With its step at hand the hosts' own results replace the entry's summary of them.
      return step
        ? [...outcomeDetails(ctx, step, e.message), ...recordedData(ctx, e, ['hosts', 'ok'])]
        : recordedData(ctx, e);
    case 'approved':
    case 'rejected':
      return [...decisionCommentDetails(ctx, e, step), ...recordedData(ctx, e)];
    case 'notification_sent':
    case 'notification_failed':
      // Recipients have their own table; the entry's data only matters when it names nobody.
      return recordedData(ctx, e, recipients(e).length > 0 ? ['kind', 'to', 'failed'] : []);
    case 'escalated':
      // Level and its name are in the escalations table.
      return recordedData(ctx, e, ['level', 'levelName']);
    default:
      return recordedData(ctx, e);
  }
}

/** Field names of an entry's `data`, whichever of its shapes it has. */
type DataKey<E> = E extends { data?: infer D } ? (D extends object ? keyof D : never) : never;

/**
 * The rest of what the workflow recorded on the entry, `key: value` in key order, so nothing it
 * knew is lost (old incidents keep the shapes they were written with); values the message
 * already says are left out. Masked.
 */
function recordedData<E extends TimelineEntry>(
  ctx: ModelContext,
  e: E,
  shownElsewhere: readonly DataKey<E>[] = [],
): string[] {
  if (!('data' in e) || !e.data) return [];
  const skip: readonly PropertyKey[] = shownElsewhere;
  const details: string[] = [];
  // Entries in key order (the `sort()` order of their keys).
  for (const [key, value] of Object.entries(e.data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (skip.includes(key)) continue;
    const text = dataText(value);
    if (text !== '' && !e.message.includes(text)) details.push(ctx.mask(`${key}: ${text}`));
  }
  return details;
}

/** Compact text of a data value: primitives as is, lists of them comma-joined, others as JSON. */
function dataText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '';
  if (Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x)))
    return v.join(', ');
  return JSON.stringify(v) ?? '';
}
