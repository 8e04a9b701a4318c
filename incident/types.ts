/**
 * The incident's state as the workflow keeps it and exposes it by query: the source of truth for
 * the intake API, the CLI and the post-incident report. Pure types: imported by workflow code.
 */
import type { AlertInstance } from '../alerts/types';
import type { ExtractedValue, NotificationKind, Plan, Severity } from '../plan/types';

export type IncidentStatus =
  | 'triggered'
  | 'diagnosing'
  | 'awaiting_approval'
  | 'remediating'
  | 'verifying'
  | 'resolved'
  | 'escalated'
  | 'failed'
  | 'cancelled';

/** Statuses after which the workflow has finished (or is only writing its report). */
export const TERMINAL_STATUSES: readonly IncidentStatus[] = ['resolved', 'failed', 'cancelled'];

/** How a human reached the engine. */
export type Channel = 'api' | 'cli' | 'email' | 'ui' | 'system';

export interface Actor {
  /** Person id from the on-call config. */
  person: string;
  channel: Channel;
}

/** Workflow input: everything an incident needs, fixed at start (the plan version included). */
export interface IncidentInput {
  incidentId: string;
  plan: Plan;
  alert: AlertInstance;
  /** When the intake received the alert (ISO), for receipt→start latency and the report. */
  receivedAt: string;
  /** Base URLs for links in mail and the report. */
  links?: { incidentBaseUrl?: string; temporalUiBaseUrl?: string };
  /**
   * Set only by the workflow itself when it continues-as-new during a long wait for a human
   * (unacknowledged paging grows history): the state so far, resumed as is. Callers never set it.
   */
  resume?: IncidentResume;
  /** History length after which a waiting incident continues-as-new (default 4000; tests lower it). */
  continueAsNewAfterEvents?: number;
}

/** What an incident carries into its next run when it continues-as-new while waiting for a human. */
export interface IncidentResume {
  state: IncidentState;
  /** When the wait for a human ends (ISO), unchanged across runs. */
  humanDeadline: string;
  /** Whether a remediation ran (a later resolved alert confirms instead of cancelling). */
  remediationStarted: boolean;
  /** Number of earlier runs of this incident. */
  runs: number;
}

/** Signal: another delivery of the incident's alert (firing again, or resolved). */
export interface AlertSignal {
  alert: AlertInstance;
  receivedAt: string;
}

export interface ApproveRequest {
  stepId: string;
  actor: Actor;
  comment?: string;
  /** Single-use nonce of a signed email link; a reused nonce is refused. */
  nonce?: string;
}
export type RejectRequest = ApproveRequest;
export interface AckRequest {
  actor: Actor;
  comment?: string;
}
export interface NoteRequest {
  actor: Actor;
  text: string;
}
/**
 * Signal: a client reports that the workflow refused someone's approve/reject/ack/note/close (a
 * validator's refusal leaves no trace in history, but an audit trail must show who tried what).
 */
export interface RefusalSignal {
  actor: Actor;
  action: 'approve' | 'reject' | 'ack' | 'note' | 'close';
  stepId?: string;
  reason: string;
}

/** A human closes the incident (resolution `human`, or after escalation). */
export interface CloseRequest {
  actor: Actor;
  outcome: 'resolved' | 'failed';
  comment?: string;
}

export interface Person {
  id: string;
  name: string;
  email: string;
}

/**
 * The on-call facts an incident was started with (resolved once by an activity, then fixed in
 * workflow state so replay is deterministic).
 */
export interface OnCallSnapshot {
  people: Record<string, Person>;
  /** Escalation levels in order: the people paged at each level. */
  levels: { name: string; people: string[] }[];
  /** People allowed to approve or reject remediation steps of this runbook at this severity. */
  approvers: string[];
  /** People allowed to acknowledge and add notes (approvers are always included). */
  responders: string[];
  /** Recipients per notification kind, from the runbook's `notify`. */
  notify: Partial<Record<NotificationKind, string[]>>;
}

export type StepStatus =
  | 'pending'
  | 'skipped'
  | 'awaiting_approval'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'rejected'
  | 'expired'
  | 'cancelled';

/** One host's result as kept in state (output already capped and masked by the activity). */
export interface HostRecord {
  host: string;
  ok: boolean;
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
  values: Record<string, ExtractedValue>;
  error?: string;
  /** True when the idempotency guard found this command already ran on the host. */
  replayed?: boolean;
}

export interface StepRecord {
  id: string;
  phase: 'diagnostic' | 'remediation' | 'verify';
  title: string;
  action?: string;
  target?: string;
  /** The rendered command (secrets appear only as `$FIREBREAK_SECRET_*` references). */
  command?: string;
  status: StepStatus;
  /** The `when:` condition and what it evaluated to. */
  condition?: { expr: string; result: boolean; error?: string };
  startedAt?: string;
  endedAt?: string;
  attempts?: number;
  hosts: HostRecord[];
  automated: boolean;
  decidedBy?: Actor & { at: string; decision: 'approved' | 'rejected'; comment?: string };
  error?: string;
}

/** Fields every timeline entry has. */
interface TimelineBase {
  /** Workflow time, ISO 8601. */
  at: string;
  /** One human-readable line (already masked; rendered as is in the CLI, mail and the report). */
  message: string;
  stepId?: string;
  actor?: Actor;
}

/** A comment a person attached to their action. */
interface CommentData {
  comment: string;
}

/**
 * One entry of the incident's audit trail, keyed by `kind`: each kind fixes the shape of its
 * `data`, so writers (the workflow) and readers (CLI, mail, report) are checked against one
 * contract. Entries are append-only; old incidents keep the shapes they were written with.
 */
export type TimelineEntry =
  | (TimelineBase & {
      kind: 'alert_received';
      data: { receivedAt: string; severity: Severity; source: AlertInstance['source'] };
    })
  | (TimelineBase & { kind: 'alert_repeated'; data: { receivedAt: string } })
  /** `data` is absent when the incident started from a resolved delivery. */
  | (TimelineBase & { kind: 'alert_resolved'; data?: { receivedAt: string; endsAt?: string } })
  | (TimelineBase & { kind: 'status_changed'; data: { from: IncidentStatus; to: IncidentStatus } })
  | (TimelineBase & { kind: 'step_started'; stepId: string })
  | (TimelineBase & {
      kind: 'step_finished';
      stepId: string;
      /** `recovering`: the worker was lost mid-command and the target is being asked for the outcome. */
      data:
        | { ok: boolean; hosts?: { host: string; ok: boolean; exitCode: number | null }[] }
        | { recovering: true };
    })
  | (TimelineBase & { kind: 'step_skipped'; stepId: string })
  | (TimelineBase & {
      kind: 'condition_evaluated';
      stepId: string;
      data: { expr: string; result: boolean; error?: string };
    })
  | (TimelineBase & {
      kind: 'approval_requested';
      stepId: string;
      data: { approvers: string[]; expiresAt: string };
    })
  | (TimelineBase & { kind: 'approved' | 'rejected'; stepId: string; actor: Actor; data?: CommentData })
  | (TimelineBase & { kind: 'approval_expired'; stepId: string })
  | (TimelineBase & {
      kind: 'approval_refused';
      actor: Actor;
      data: { action: RefusalSignal['action']; reason: string };
    })
  | (TimelineBase & { kind: 'acknowledged'; actor: Actor; data?: CommentData })
  | (TimelineBase & { kind: 'note'; actor: Actor })
  /** Closed by a person (`actor`), or by the engine (no actor: a failure or the human-wait deadline). */
  | (TimelineBase & { kind: 'closed'; data?: CommentData })
  | (TimelineBase & { kind: 'notification_sent'; data: { kind: NotificationKind; to: string[] } })
  /** `data` is absent when the on-call lookup itself failed. */
  | (TimelineBase & {
      kind: 'notification_failed';
      data?: { kind: NotificationKind; to?: string[]; failed?: string[] };
    })
  /** `levelName`/`reason` are absent on the "paging stops" entry (`level` is where it stopped). */
  | (TimelineBase & { kind: 'escalated'; data: { level: number; levelName?: string; reason?: string } })
  /** `ok: false` when the report could not be written at all. */
  | (TimelineBase & { kind: 'report_written'; data: { emailed: boolean } | { ok: false } });

/** What kind of entry: the discriminant of {@link TimelineEntry}. */
export type TimelineKind = TimelineEntry['kind'];

/** The entry of one kind, e.g. `TimelineEntryOf<'escalated'>`. */
export type TimelineEntryOf<K extends TimelineKind> = Extract<TimelineEntry, { kind: K }>;

export interface IncidentState {
  id: string;
  runbook: {
    id: string;
    title: string;
    service: string;
    file: string;
    planHash: string;
    planVersion: number;
  };
  severity: Severity;
  status: IncidentStatus;
  alert: AlertInstance;
  /** Deliveries of this alert attached to the incident (the first included). */
  alertCount: number;
  alertResolvedAt?: string;
  startedAt: string;
  updatedAt: string;
  endedAt?: string;
  acknowledged?: { by: Actor; at: string };
  steps: StepRecord[];
  pendingApprovals: { stepId: string; requestedAt: string; expiresAt: string; approvers: string[] }[];
  escalation: { level: number; pages: number; stopped: boolean; nextAt?: string };
  oncall?: OnCallSnapshot;
  timeline: TimelineEntry[];
  /** Used single-use link nonces (refused on reuse). */
  usedNonces: string[];
  report?: { markdownPath: string; htmlPath: string };
}
