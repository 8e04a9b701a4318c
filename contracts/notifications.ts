/**
 * The data of the `sendNotification` activity. Shared by the workflow, activities/ and notify/;
 * pure types.
 *
 * A notification activity receives what its mails need and nothing else: a compact view of the
 * incident (identity, where it stands, short findings), the recipients' contact data, and per
 * recipient the notices combined into that person's one mail.
 */
import type { IncidentState, IncidentStatus, Person } from './incident';
import type { NotificationKind, Severity } from './plan';

/** What a notice is about: a runbook notification kind, or an approval request withdrawn. */
export type NoticeKind = NotificationKind | 'approval_withdrawn';

/** An approval request as its mail shows it: the step, exactly what would run where, until when. */
export interface ApprovalNotice {
  stepId: string;
  title: string;
  /** When the request (and every link for it) expires, ISO. */
  expiresAt: string;
  approvers: string[];
  /** The rendered command (secrets only as `$FIREBREAK_SECRET_*` references). */
  command?: string;
  /** Name of the plan target, and the hosts it resolved to when the request was made. */
  target?: string;
  hosts?: string[];
}

/** One thing to tell a person. */
export interface Notice {
  kind: NoticeKind;
  /** approval_needed: the request. */
  approval?: ApprovalNotice;
  /** escalated: the level paged, 0-based as in state (people read it 1-based: see escalationLabel). */
  escalation?: { level: number; levelName: string; reason?: string };
  /** approval_withdrawn: which request, and why it will not be decided any more. */
  withdrawn?: { stepId: string; title: string; reason: string };
}

/** The incident as a mail shows it (built by the workflow; output and labels already clipped). */
export interface MailIncidentView {
  id: string;
  runbook: { id: string; title: string; service: string };
  severity: Severity;
  status: IncidentStatus;
  alert: {
    labels: Record<string, string>;
    summary?: string;
    description?: string;
    startsAt: string;
    fingerprint: string;
    generatorURL?: string;
  };
  startedAt: string;
  alertCount: number;
  /** The level paged last (0-based) and its name. */
  escalation: { level: number; levelName?: string };
  /** Diagnostics that ran: status and a short excerpt of what they found. */
  findings: { title: string; status: string; detail: string }[];
  /** Remediations (and verify probes) that got past pending. */
  remediations: { title: string; status: string; error?: string }[];
}

/** One person's mail: every notice for them that arrived within the combining window. */
export interface MailRequest {
  /** Person id. */
  to: string;
  notices: Notice[];
}

/** Input of `sendNotification`: one mail per entry of `mails`. */
export interface NotificationBatchInput {
  incidentId: string;
  incident: MailIncidentView;
  /** Contact data of the recipients (only theirs). */
  people: Record<string, Person>;
  mails: MailRequest[];
  links?: { incidentBaseUrl?: string; temporalUiBaseUrl?: string };
}

/**
 * The input incidents started before the combined, durable notifier send (one kind to a set of
 * people, with the whole state). Still accepted so their scheduled activities run after an upgrade.
 */
export interface LegacyNotificationInput {
  kind: NotificationKind;
  incidentId: string;
  to: string[];
  state: IncidentState;
  approval?: { stepId: string; expiresAt: string };
  escalation?: { level: number; levelName: string };
  links?: { incidentBaseUrl?: string; temporalUiBaseUrl?: string };
}

export type NotificationInput = NotificationBatchInput | LegacyNotificationInput;

/** True for the input of an incident started before the combined notifier. */
export function isLegacyNotification(input: NotificationInput): input is LegacyNotificationInput {
  return 'state' in input;
}

/** What became of a notification, per recipient. */
export interface NotificationResult {
  /**
   * Per recipient: delivered (accepted by SMTP / written to the outbox) or failed with a reason;
   * `retryable` failures (SMTP unreachable, 4xx) are tried again by the workflow, others are final.
   */
  deliveries: {
    to: string;
    email: string;
    ok: boolean;
    messageId?: string;
    error?: string;
    retryable?: boolean;
  }[];
}

/** How people read an escalation level: 1-based, with its name when it says more than the number. */
export function escalationLabel(level: number, levelName?: string): string {
  const n = `level ${level + 1}`;
  const name = levelName?.trim();
  if (!name || name === n || name === `level-${level + 1}`) return n;
  return `${n} (${name})`;
}
