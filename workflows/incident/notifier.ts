/**
 * Notifications: fired without blocking whoever sends them (the main flow, the clock, the top
 * level), their outcome recorded on the timeline when it arrives, all of them awaited before the
 * workflow ends or continues-as-new.
 */
import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { IncidentActivities, NotificationInput } from '../../activities/types';
import type { IncidentInput, IncidentState } from '../../contracts/incident';
import type { NotificationKind } from '../../contracts/plan';
import type { IncidentControl } from './control';
import { errorMessage } from './failures';
import type { IncidentStore } from './store';

/** Output kept per stream in the state copy sent to notification activities (history stays small). */
const NOTIFY_OUTPUT_CHARS = 2_000;
const NOTIFY_TIMELINE_ENTRIES = 60;

const { sendNotification } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 4, initialInterval: '2s', maximumInterval: '1 minute' },
});

export class Notifier {
  constructor(
    private readonly store: IncidentStore,
    private readonly control: IncidentControl,
    private readonly links: IncidentInput['links'],
  ) {}

  /** The people paged at escalation level `i` (none before the on-call facts are known). */
  levelPeople(i: number): readonly string[] {
    return this.store.state.oncall?.levels[i]?.people ?? [];
  }

  /** `base` plus the runbook's own recipients for `kind`, each once. */
  recipients(kind: NotificationKind, base: readonly string[]): string[] {
    return [...new Set([...base, ...(this.store.state.oncall?.notify[kind] ?? [])])];
  }

  /** Tells the level currently paged (and the runbook's recipients) about `kind`. */
  notifyCurrentLevel(kind: NotificationKind): void {
    this.notify(kind, this.recipients(kind, this.levelPeople(this.store.state.escalation.level)));
  }

  /** Fires a notification without blocking; the outcome lands on the timeline. Never throws. */
  notify(
    kind: NotificationKind,
    to: string[],
    extra: Pick<NotificationInput, 'approval' | 'escalation'> = {},
  ): void {
    const { store } = this;
    if (to.length === 0) {
      store.record('notification_failed', `${kind}: nobody to notify`, { data: { kind } });
      return;
    }
    const req: NotificationInput = {
      kind,
      incidentId: store.state.id,
      to,
      state: this.compactState(),
      ...extra,
      ...(this.links ? { links: this.links } : {}),
    };
    // Non-cancellable: a cancelled main flow must not swallow a page that is already on its way.
    const p = CancellationScope.nonCancellable(() => sendNotification(req)).then(
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
    const pending = this.control.pendingNotifications;
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  /** Waits until every notification in flight has finished (and been recorded). */
  async drain(): Promise<void> {
    const pending = this.control.pendingNotifications;
    for (let i = 0; i < 100 && pending.size > 0; i++) await Promise.all([...pending]);
  }

  /** The state as notification templates need it: output and timeline cut to keep history small. */
  private compactState(): IncidentState {
    const state = this.store.snapshot();
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
}
