/**
 * Follow-up items: what a person still has to do or check after the incident, from the steps
 * that did not run as planned, manual actions, escalations, failed notifications and the outcome.
 */
import { escalationLabel } from '../../contracts/notifications';
import type { ModelContext } from './context';
import { actorText, entriesOf } from './context';
import type { DeliveryRow, StepRow } from './model';

/** Every follow-up item, steps first, the incident's outcome last. */
export function followUps(
  ctx: ModelContext,
  steps: readonly StepRow[],
  notifications: readonly DeliveryRow[],
): string[] {
  const items: string[] = [];
  for (const s of steps) {
    const item = stepFollowUp(s);
    if (item !== undefined) items.push(item);
  }
  items.push(...timelineFollowUps(ctx));
  const escalated = escalationFollowUp(ctx);
  if (escalated !== undefined) items.push(escalated);
  for (const n of notifications) if (!n.ok) items.push(notificationFollowUp(n));
  items.push(...outcomeFollowUps(ctx));
  return items;
}

/** What a step that did not simply succeed leaves to do. */
function stepFollowUp(s: StepRow): string | undefined {
  const name = `${s.phase} step ${s.id} (${s.title})`;
  switch (s.status) {
    case 'failed':
      return s.phase === 'verify'
        ? `Verify ${s.id} (${s.title}) failed: the remediation did not clear the symptom — confirm the service by hand${s.error ? ` (${s.error})` : ''}.`
        : `Investigate the failed ${name}${s.error ? `: ${s.error}` : ''}.`;
    case 'rejected':
      return `Remediation ${s.id} (${s.title}) was ${s.decision ?? 'rejected'}: carry it out by hand or record why it is not needed.`;
    case 'expired':
      return `The approval for ${s.id} (${s.title}) expired without a decision: review on-call response and do the step by hand if still needed.`;
    case 'skipped':
      return `The ${name} was skipped${s.condition ? ` (${s.condition})` : ''}: confirm it was not needed.`;
    case 'pending':
    case 'awaiting_approval':
    case 'running':
    case 'cancelled':
      return `The ${name} never completed (status ${s.status}): decide whether it still has to run.`;
    default:
      return undefined;
  }
}

/** Manual actions people noted and approval attempts the engine refused, in timeline order. */
function timelineFollowUps(ctx: ModelContext): string[] {
  const m = ctx.mask;
  return entriesOf(ctx.state, 'note', 'approval_refused').map((e) =>
    e.kind === 'note'
      ? `Manual action noted by ${actorText(ctx, e.actor)} at ${m(e.at)}: ${m(e.message)}`
      : `A refused approval attempt at ${m(e.at)}: ${m(e.message)}`,
  );
}

/**
 * Only pages beyond the opening one are escalations (the opening page is level 1 being told);
 * levels read as everywhere else: `level 2 (secondary)`.
 */
function escalationFollowUp(ctx: ModelContext): string | undefined {
  const pages = entriesOf(ctx.state, 'escalated').filter((e) => e.data.levelName !== undefined);
  if (pages.length === 0) return undefined;
  const top = pages.reduce((a, b) => (b.data.level > a.data.level ? b : a));
  const label = ctx.mask(escalationLabel(top.data.level, top.data.levelName));
  return `The incident was escalated up to ${label} (${pages.length} page(s) after the opening one): record what the paged responders did.`;
}

function notificationFollowUp(n: DeliveryRow): string {
  return `Notification${n.kind ? ` (${n.kind})` : ''} to ${n.to}${n.email ? ` <${n.email}>` : ''} failed${n.error ? `: ${n.error}` : ''} — check the contact data and mail relay.`;
}

/** An unresolved incident still needs its root cause; a resolved one, a source that agrees. */
function outcomeFollowUps(ctx: ModelContext): string[] {
  const { state } = ctx;
  if (state.status !== 'resolved')
    return [`The incident ended with status ${ctx.mask(state.status)}: find and fix the root cause by hand.`];
  if (state.alert?.status === 'firing' && !state.alertResolvedAt)
    return ['The alert source has not reported the alert resolved yet: confirm the fix holds.'];
  return [];
}
