/** Approvals: who decided a remediation step, when, and what they said. */
import type { StepRecord, TimelineEntryOf } from '../../contracts/incident';
import type { ModelContext } from './context';
import { actorText } from './context';

/** `approved by Name (id) via email at <time> — “comment”`. Masked. */
export function decisionText(ctx: ModelContext, d: NonNullable<StepRecord['decidedBy']>): string {
  const m = ctx.mask;
  return `${d.decision} by ${actorText(ctx, d)} at ${m(d.at)}${d.comment ? ` — “${m(d.comment)}”` : ''}`;
}

/**
 * The decision's comment for its timeline row when the entry itself did not record it (the step
 * keeps the comment of the decision made at that very time). Masked.
 */
export function decisionCommentDetails(
  ctx: ModelContext,
  e: TimelineEntryOf<'approved' | 'rejected'>,
  step: StepRecord | undefined,
): string[] {
  const decided = step?.decidedBy;
  if (e.data?.comment !== undefined || !decided?.comment || decided.at !== e.at) return [];
  return [ctx.mask(`comment: ${decided.comment}`)];
}
