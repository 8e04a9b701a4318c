/** Notifications: one row per person a notification was sent to, and whether it reached them. */
import type { TimelineEntryOf } from '../../contracts/incident';
import type { ModelContext } from './context';
import { entriesOf, personText } from './context';
import type { DeliveryRow } from './model';

type NotificationEntry = TimelineEntryOf<'notification_sent' | 'notification_failed'>;

/** Every delivery, in timeline order. */
export function notificationRows(ctx: ModelContext): DeliveryRow[] {
  return entriesOf(ctx.state, 'notification_sent', 'notification_failed').flatMap((e) =>
    deliveryRows(ctx, e),
  );
}

/** Who a notification was for (none when the on-call lookup itself failed). */
export function recipients(e: NotificationEntry): string[] {
  return (e.data?.to ?? []).filter((id) => id !== '');
}

function deliveryRows(ctx: ModelContext, e: NotificationEntry): DeliveryRow[] {
  const m = ctx.mask;
  // A failed entry without the list of who failed failed for everyone.
  const failed = e.kind === 'notification_failed' ? e.data?.failed : undefined;
  return recipients(e).map((id) => {
    const ok = e.kind === 'notification_sent' || (failed !== undefined && !failed.includes(id));
    const row: DeliveryRow = {
      at: m(e.at),
      kind: m(e.data?.kind ?? ''),
      to: personText(ctx, id),
      email: m(ctx.people[id]?.email ?? ''),
      ok,
    };
    if (!ok) row.error = m(e.message);
    return row;
  });
}
