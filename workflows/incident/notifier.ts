/**
 * Notifications: fired without blocking whoever sends them (the main flow, the clock, the top
 * level), their outcome recorded on the timeline when it arrives, all of them awaited before the
 * workflow ends or continues-as-new.
 *
 * Since {@link NOTIFY_PATCH}, notices are durable and combined:
 * - notices for one person within {@link COMBINE_WINDOW_MS} go out as one mail (a durable timer
 *   in the workflow, so a crash loses nothing);
 * - a page is never dropped: delivery is retried while the incident is open (backoff from 10 s
 *   doubling to 4 min, see {@link retryDelayMs}), every failed attempt on the timeline; once the
 *   incident has ended, a few last tries; mails still undelivered when the run continues-as-new
 *   travel in the resume state. None of it blocks the escalation clock;
 * - the activity receives the notices and a compact view of the incident, not the whole state.
 */
import { CancellationScope, condition, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { hasChange, isCurrentType } from './versions';
import type { IncidentActivities } from '../../activities/types';
import type {
  MailRequest,
  Notice,
  NoticeKind,
  NotificationBatchInput,
  NotificationResult,
} from '../../contracts/notifications';
import type { IncidentInput, Person } from '../../contracts/incident';
import type { NotificationKind } from '../../contracts/plan';
import type { IncidentControl } from './control';
import { errorMessage } from './failures';
import { sendLegacyNotification } from './notifier-legacy';
import { mailView } from '../../contracts/mail-view';
import { mailsPerPerson, retryDelayMs } from './notices';
import type { QueuedNotice } from './notices';
import type { IncidentStore } from './store';

/** Patch marker: combined, durable notifications (before it: one activity per notice, given up after ~14 s). */
export const NOTIFY_PATCH = 'notify-combined-durable';
/** Notices to one person within this window go out as one mail. */
export const COMBINE_WINDOW_MS = 3_000;
/** Tries a mail still gets once the incident has ended (it is open no more: a page cannot wait forever). */
export const ATTEMPTS_AFTER_END = 3;

// Delivery failures come back as results the workflow retries with its own backoff; these
// retries only cover a lost worker.
const SEND_RETRY = { maximumAttempts: 3, initialInterval: '1s', maximumInterval: '5s' } as const;
const { sendNotification } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '2 minutes',
  retry: SEND_RETRY,
});
/**
 * The current workflow type sends mail as a local activity, in the worker that holds the workflow
 * task: one marker in the history instead of three activity events and a workflow task, and no
 * place in the activity task queue, where a mail used to sit in front of another incident's
 * diagnostic during an alert storm (bench/PROFILE.md). A send is bounded by the mailer's own
 * timeouts (services/notify/mailer.ts, 30 s at worst); while one runs, the worker keeps the
 * workflow task alive and messages that arrive meanwhile are handled in the next one.
 */
const { sendNotification: sendNotificationHere } = proxyLocalActivities<IncidentActivities>({
  startToCloseTimeout: '2 minutes',
  retry: SEND_RETRY,
});

/** What a caller adds to a notice of its kind. */
export interface NoticeExtra {
  approval?: { stepId: string; expiresAt: string };
  escalation?: { level: number; levelName: string; reason?: string };
  withdrawn?: { stepId: string; title: string; reason: string };
}

type Failed = { mail: MailRequest; error: string };

/** Queues, combines, sends and retries the incident's notices (see the module comment). */
export class Notifier {
  /** Whether this incident notifies the combined, durable way ({@link NOTIFY_PATCH}). */
  private readonly combined: boolean;
  private queued: QueuedNotice[] = [];
  private flushing = false;
  /** Mails undelivered when the run handed over (continue-as-new): the next run sends them. */
  private readonly handedOver: MailRequest[] = [];

  constructor(
    private readonly store: IncidentStore,
    private readonly control: IncidentControl,
    private readonly links: IncidentInput['links'],
  ) {
    this.combined = hasChange(NOTIFY_PATCH);
  }

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

  /** Queues a notice without blocking; its outcome lands on the timeline. Never throws. */
  notify(kind: NoticeKind, to: readonly string[], extra: NoticeExtra = {}): void {
    const { store } = this;
    if (to.length === 0) {
      store.record('notification_failed', `${kind}: nobody to notify`, { data: { kind } });
      return;
    }
    if (!this.combined) {
      if (kind === 'approval_withdrawn') return; // not announced before the patch
      const { approval, escalation } = extra;
      const legacy = {
        ...(approval ? { approval } : {}),
        ...(escalation ? { escalation: { level: escalation.level, levelName: escalation.levelName } } : {}),
      };
      this.track(sendLegacyNotification(store, this.links, kind, [...to], legacy));
      return;
    }
    this.queued.push({ notice: this.noticeOf(kind, extra), to: [...to] });
    if (this.flushing) return;
    this.flushing = true;
    // Non-cancellable: a cancelled main flow must not swallow a page that is already on its way.
    this.track(CancellationScope.nonCancellable(() => this.flushSoon()));
  }

  /** Tells whoever was asked to decide an open approval request that it is withdrawn, and why. */
  withdrawApprovals(reason: string): void {
    if (!this.combined) return;
    for (const p of this.store.state.pendingApprovals) {
      const title = p.title ?? this.store.state.steps.find((s) => s.id === p.stepId)?.title ?? p.stepId;
      this.notify('approval_withdrawn', this.recipients('approval_needed', p.approvers), {
        withdrawn: { stepId: p.stepId, title, reason },
      });
    }
  }

  /** Sends the mails an earlier run could not deliver before it continued as new. */
  resend(mails: readonly MailRequest[] | undefined): void {
    if (!this.combined || !mails || mails.length === 0) return;
    const copy = mails.map((m) => ({ to: m.to, notices: [...m.notices] }));
    this.track(CancellationScope.nonCancellable(() => this.deliver(copy)));
  }

  /** Mails not delivered yet, for the continued run (valid once {@link drain} returned while suspending). */
  undelivered(): MailRequest[] {
    return [...this.handedOver];
  }

  /** At the end: lets the last notices go out (or be given up) so the report records them. */
  async settleBeforeReport(): Promise<void> {
    if (this.combined) await this.drain();
  }

  /** Waits until every notification in flight has finished (and been recorded). */
  async drain(): Promise<void> {
    const pending = this.control.pendingNotifications;
    for (let i = 0; i < 100 && pending.size > 0; i++) await Promise.all([...pending]);
  }

  private track(p: Promise<void>): void {
    const pending = this.control.pendingNotifications;
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  private noticeOf(kind: NoticeKind, extra: NoticeExtra): Notice {
    const { approval, escalation, withdrawn } = extra;
    const notice: Notice = { kind };
    if (escalation) notice.escalation = { ...escalation };
    if (withdrawn) notice.withdrawn = { ...withdrawn };
    if (approval) {
      const { state } = this.store;
      const p = state.pendingApprovals.find((x) => x.stepId === approval.stepId);
      const title = p?.title ?? state.steps.find((s) => s.id === approval.stepId)?.title ?? approval.stepId;
      notice.approval = {
        stepId: approval.stepId,
        title,
        expiresAt: approval.expiresAt,
        approvers: [...(p?.approvers ?? [])],
        ...(p?.command !== undefined ? { command: p.command } : {}),
        ...(p?.target !== undefined ? { target: p.target } : {}),
        ...(p?.hosts ? { hosts: [...p.hosts] } : {}),
      };
    }
    return notice;
  }

  /**
   * After the combining window, one mail per person — at once when the run is handing over, and
   * in the current workflow type also when nothing more is coming soon: a person is asked to
   * approve (the flow now waits for them; the page must not), or the incident has ended and its
   * last notices are queued (they go as one mail with whatever is still waiting).
   */
  private async flushSoon(): Promise<void> {
    const { control } = this;
    const now = () =>
      control.suspending ||
      (isCurrentType() &&
        (control.lastNoticesQueued || this.queued.some((q) => q.notice.kind === 'approval_needed')));
    // Checked first: a condition with a timeout starts a timer even when it already holds.
    if (!now()) await condition(now, COMBINE_WINDOW_MS);
    const queued = this.queued;
    this.queued = [];
    this.flushing = false;
    await this.deliver(mailsPerPerson(queued));
  }

  /** Sends `first` until every mail is delivered or refused for good (see the module comment). */
  private async deliver(first: MailRequest[]): Promise<void> {
    const { control } = this;
    let mails = first;
    let afterEnd = 0;
    for (let attempt = 1; mails.length > 0; attempt++) {
      const failed = await this.attempt(mails);
      if (failed.length === 0) return;
      if (control.finished) afterEnd++;
      if (control.suspending) {
        this.handedOver.push(...failed.map((f) => f.mail));
        this.recordRetry(failed, attempt, 'handed over to the continued run');
        return;
      }
      if (afterEnd >= ATTEMPTS_AFTER_END) {
        this.recordRetry(failed, attempt, 'given up: the incident has ended');
        return;
      }
      const delay = retryDelayMs(control.finished ? afterEnd : attempt);
      const retryAt = new Date(Date.now() + delay).toISOString();
      this.recordRetry(failed, attempt, `next try at ${retryAt}`, retryAt);
      const wasFinished = control.finished;
      // An ending incident or a hand-over does not wait out a long backoff.
      await condition(() => control.suspending || (!wasFinished && control.finished), delay);
      mails = failed.map((f) => f.mail);
    }
  }

  /** One delivery attempt; returns the mails that failed for a reason that may pass. */
  private async attempt(mails: MailRequest[]): Promise<Failed[]> {
    let res: NotificationResult;
    try {
      const send = isCurrentType() ? sendNotificationHere : sendNotification;
      res = await send(this.batch(mails));
    } catch (err) {
      const error = errorMessage(err);
      res = { deliveries: mails.map((m) => ({ to: m.to, email: '', ok: false, retryable: true, error })) };
    }
    const outcome = (m: MailRequest) => res.deliveries.find((d) => d.to === m.to);
    this.recordOutcome(mails, outcome);
    return mails.flatMap((mail) => {
      const d = outcome(mail);
      if (d?.ok || d?.retryable === false) return [];
      return [{ mail, error: d?.error ?? 'no delivery result' }];
    });
  }

  private batch(mails: MailRequest[]): NotificationBatchInput {
    const { state } = this.store;
    const people: Record<string, Person> = {};
    for (const m of mails) {
      const p = state.oncall?.people[m.to];
      if (p) people[m.to] = { id: p.id, name: p.name, email: p.email };
    }
    return {
      incidentId: state.id,
      incident: mailView(this.store.snapshot()),
      people,
      mails,
      ...(this.links ? { links: this.links } : {}),
    };
  }

  /** Per notice kind: who got it (and with what it was combined), who never will. */
  private recordOutcome(
    mails: MailRequest[],
    outcome: (m: MailRequest) => NotificationResult['deliveries'][number] | undefined,
  ): void {
    for (const kind of kindsOf(mails)) {
      const withKind = mails.filter((m) => m.notices.some((n) => n.kind === kind));
      const sent = withKind.filter((m) => outcome(m)?.ok);
      const refused = withKind.filter((m) => outcome(m)?.ok === false && outcome(m)?.retryable === false);
      if (sent.length > 0) {
        const to = sent.map((m) => m.to);
        const combined = kindsOf(sent).filter((k) => k !== kind);
        const also = combined.length > 0 ? ` (one mail with ${combined.join(', ')})` : '';
        this.store.record('notification_sent', `${kind} sent to ${to.join(', ')}${also}`, {
          data: { kind, to, ...(combined.length > 0 ? { combined } : {}) },
        });
      }
      if (refused.length > 0) {
        const ids = refused.map((m) => m.to);
        const why = refused.map((m) => `${m.to}: ${clip(outcome(m)?.error ?? 'failed')}`).join('; ');
        this.store.record('notification_failed', `${kind}: ${why}`, { data: { kind, to: ids, failed: ids } });
      }
    }
  }

  /** One entry per notice kind for a failed attempt, saying what happens next. */
  private recordRetry(failed: Failed[], attempt: number, next: string, retryAt?: string): void {
    const mails = failed.map((f) => f.mail);
    const error = clip(failed[0]?.error ?? 'failed');
    for (const kind of kindsOf(mails)) {
      const ids = mails.filter((m) => m.notices.some((n) => n.kind === kind)).map((m) => m.to);
      this.store.record(
        'notification_failed',
        `${kind} to ${ids.join(', ')} not delivered (attempt ${attempt}): ${error}; ${next}`,
        { data: { kind, to: ids, failed: ids, attempt, ...(retryAt ? { retryAt } : {}) } },
      );
    }
  }
}

/** Every notice kind in `mails`, each once, in order of appearance. */
function kindsOf(mails: readonly MailRequest[]): NoticeKind[] {
  return [...new Set(mails.flatMap((m) => m.notices.map((n) => n.kind)))];
}

function clip(s: string, max = 300): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
