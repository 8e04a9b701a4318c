/**
 * The incident workflow's control flags in one place: what the handlers, the escalation clock, the
 * main flow and the top level tell each other. None of it is incident state (that is the store's);
 * what must survive a continue-as-new travels in {@link IncidentResume}.
 */
import { workflowInfo, type CancellationScope } from '@temporalio/workflow';
import type { Actor, IncidentInput, IncidentResume, IncidentState } from '../../contracts/incident';

/** History length after which an incident waiting for a human continues-as-new (Temporal warns at 10k). */
export const CONTINUE_AS_NEW_AFTER_EVENTS = 4_000;

/** History bytes after which a waiting incident continues-as-new (Temporal fails a run at 50 MB). */
export const CONTINUE_AS_NEW_AFTER_BYTES = 8 * 1024 * 1024;

/** One decision on an approval request, set by the approve/reject update handlers. */
export interface Decision {
  approved: boolean;
  actor: Actor;
  at: string;
  comment?: string;
}

/** A human's close, kept until the workflow ends with its outcome. */
export interface CloseRequestFlag {
  outcome: 'resolved' | 'failed';
  actor: Actor;
  comment?: string;
}

export class IncidentControl {
  /** The incident is over (final status set): the clock stops, handlers refuse a close. */
  finished = false;
  /** The incident has ended and its last notices are queued: they go out without a combining wait. */
  lastNoticesQueued = false;
  /** Set while handing over to a continued run: the clock stops but keeps its next deadline. */
  suspending = false;
  /** A remediation ran: a later resolved alert confirms the incident instead of cancelling it. */
  remediationStarted: boolean;
  /** When the wait for a human ends (ms since the epoch), fixed when the wait first starts. */
  humanDeadline: number | undefined;
  closeRequest: CloseRequestFlag | undefined;
  /** Set by the main flow to have the clock page now, with this reason. */
  escalateNow: { reason: string } | undefined;
  /** Why the main scope was cancelled (only the first reason counts). */
  cancelReason: 'alert_resolved' | 'closed' | undefined;
  /** The main flow's cancellation scope while it runs. */
  mainScope: CancellationScope | undefined;
  /** The remediation whose approval wait handed over to a continued run (see flow.ts). */
  suspendedApproval: string | undefined;
  /** Approval decisions by step id. */
  readonly decisions = new Map<string, Decision>();
  /** Notifications in flight (awaited before the workflow ends or continues-as-new). */
  readonly pendingNotifications = new Set<Promise<void>>();
  private readonly continueAfter: number;
  /** The delivery that started the incident (its signal-with-start signal is not a repeat). */
  readonly startDeliveryId: string | undefined;

  constructor(input: IncidentInput) {
    this.startDeliveryId = input.deliveryId;
    this.remediationStarted = input.resume?.remediationStarted ?? false;
    this.humanDeadline = input.resume ? Date.parse(input.resume.humanDeadline) : undefined;
    this.continueAfter = input.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_AFTER_EVENTS;
  }

  /** Cancels the main flow, once: a second reason (close after resolve, or the reverse) changes nothing. */
  cancelMain(reason: 'alert_resolved' | 'closed'): void {
    if (this.mainScope && this.cancelReason === undefined) {
      this.cancelReason = reason;
      this.mainScope.cancel();
    }
  }

  /** History has grown long enough that a waiting incident should continue in a fresh run. */
  historyTooLong(): boolean {
    const info = workflowInfo();
    return (
      info.historyLength > this.continueAfter ||
      info.continueAsNewSuggested ||
      info.historySize > CONTINUE_AS_NEW_AFTER_BYTES
    );
  }

  /** What the next run resumes from. */
  resume(state: IncidentState, input: IncidentInput): IncidentResume {
    return {
      state,
      humanDeadline: new Date(this.humanDeadline ?? Date.now()).toISOString(),
      remediationStarted: this.remediationStarted,
      runs: (input.resume?.runs ?? 0) + 1,
      ...(this.suspendedApproval !== undefined ? { approval: { stepId: this.suspendedApproval } } : {}),
    };
  }
}
