/**
 * How incidents started before {@link NOTIFY_PATCH} send notifications, kept as it was so their
 * histories replay: one activity per notice, the whole (compacted) state as input, given up after
 * the activity's own retries.
 */
import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { IncidentActivities } from '../../activities/types';
import type { LegacyNotificationInput } from '../../contracts/notifications';
import type { IncidentInput, IncidentState } from '../../contracts/incident';
import type { NotificationKind } from '../../contracts/plan';
import { errorMessage } from './failures';
import type { IncidentStore } from './store';

/** Output kept per stream in the state copy sent to notification activities (history stays small). */
const NOTIFY_OUTPUT_CHARS = 2_000;
const NOTIFY_TIMELINE_ENTRIES = 60;

const { sendNotification } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 4, initialInterval: '2s', maximumInterval: '1 minute' },
});

/** Sends one notification the pre-patch way; the returned promise records its outcome and never rejects. */
export function sendLegacyNotification(
  store: IncidentStore,
  links: IncidentInput['links'],
  kind: NotificationKind,
  to: string[],
  extra: Pick<LegacyNotificationInput, 'approval' | 'escalation'>,
): Promise<void> {
  const req: LegacyNotificationInput = {
    kind,
    incidentId: store.state.id,
    to,
    state: compactState(store),
    ...extra,
    ...(links ? { links } : {}),
  };
  // Non-cancellable: a cancelled main flow must not swallow a page that is already on its way.
  return CancellationScope.nonCancellable(() => sendNotification(req)).then(
    (res) => {
      const failed = res.deliveries.filter((d) => !d.ok);
      if (failed.length === 0) {
        store.record('notification_sent', `${kind} sent to ${to.join(', ')}`, { data: { kind, to } });
      } else {
        store.record(
          'notification_failed',
          `${kind}: ${failed.map((d) => `${d.to}: ${d.error ?? 'failed'}`).join('; ')}`,
          { data: { kind, to, failed: failed.map((d) => d.to) } },
        );
      }
    },
    (err: unknown) => {
      store.record('notification_failed', `${kind} to ${to.join(', ')} failed: ${errorMessage(err)}`, {
        data: { kind, to },
      });
    },
  );
}

/** The state as notification templates needed it: output and timeline cut to keep history small. */
function compactState(store: IncidentStore): IncidentState {
  const state = store.snapshot();
  return {
    ...state,
    steps: state.steps.map((s) => ({
      ...s,
      hosts: s.hosts.map((h) => ({
        ...h,
        stdout: h.stdout.slice(0, NOTIFY_OUTPUT_CHARS),
        stderr: h.stderr.slice(0, NOTIFY_OUTPUT_CHARS),
        truncated:
          h.truncated || h.stdout.length > NOTIFY_OUTPUT_CHARS || h.stderr.length > NOTIFY_OUTPUT_CHARS,
      })),
    })),
    timeline: state.timeline.slice(-NOTIFY_TIMELINE_ENTRIES),
  };
}
