/** Escalations: each page of an on-call level, and who that level is. */
import type { TimelineEntryOf } from '../../contracts/incident';
import type { ModelContext } from './context';
import { entriesOf, personText } from './context';
import type { EscalationRow } from './model';

/** Every escalation entry, in timeline order. */
export function escalationRows(ctx: ModelContext): EscalationRow[] {
  return entriesOf(ctx.state, 'escalated').map((e) => escalationRow(ctx, e));
}

function escalationRow(ctx: ModelContext, e: TimelineEntryOf<'escalated'>): EscalationRow {
  const m = ctx.mask;
  const { level, levelName } = e.data;
  // The people paged are the level's, from the on-call snapshot the incident started with.
  const info = ctx.state.oncall?.levels[level];
  return {
    at: m(e.at),
    // The workflow counts levels from 0; people count them from 1, as its messages do.
    level: String(level + 1),
    levelName: m(levelName ?? info?.name ?? ''),
    people: (info?.people ?? []).map((id) => personText(ctx, id)).join(', '),
    message: m(e.message),
  };
}
