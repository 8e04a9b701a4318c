/**
 * The incident's state as the workflow keeps it and exposes it by query: the source of truth for
 * the intake API, the CLI and the post-incident report. Pure types: imported by workflow code.
 */
import type { AlertInstance } from './alert';
import type { MailRequest, NoticeKind } from './notifications';
import type { ExtractedValue, NotificationKind, Plan, Severity } from './plan';

/** Where an incident stands; resolved, failed and cancelled are final ({@link TERMINAL_STATUSES}). */
export type IncidentStatus =
  /** The alert arrived: on-call lookup and the opening page, before any step runs. */
  | 'triggered'
  /** Diagnostic steps are running. */
  | 'diagnosing'
  /** A remediation waits for an approver's decision (see `pendingApprovals`). */
  | 'awaiting_approval'
  /** A remediation step is running. */
  | 'remediating'
  /** A remediation's verify probes are running. */
  | 'verifying'
  /** Ended fixed: verify passed, the alert resolved after remediation, or a human closed it as resolved. */
  | 'resolved'
  /** Automation stopped (failed step, expired approval): humans paged; ends on a close or resolved alert. */
  | 'escalated'
  /** Ended unfixed: remediation aborted, no close in time, the workflow failed, or closed as failed. */
  | 'failed'
  /** Ended without remediation: the alert resolved before any ran (or the incident started resolved). */
  | 'cancelled';

/** Statuses after which the workflow has finished (or is only writing its report). */
export const TERMINAL_STATUSES: readonly IncidentStatus[] = ['resolved', 'failed', 'cancelled'];

/** Every status, in the order an incident passes through them (open ones first, then the final ones). */
export const INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'triggered',
  'diagnosing',
  'awaiting_approval',
  'remediating',
  'verifying',
  'escalated',
  ...TERMINAL_STATUSES,
];

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
  /**
   * Id of the delivery that started the incident. Intakes start incidents with signal-with-start,
   * so that delivery also arrives as the first {@link AlertSignal}; the same id marks it as the
   * start's own, not a repeat.
   */
  deliveryId?: string;
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

/**
 * What an incident carries into its next run when it continues-as-new while waiting for a human
 * (or, with `approval`, while a remediation waits for its approval).
 */
export interface IncidentResume {
  state: IncidentState;
  /** The remediation whose approval the previous run was waiting for: the next run waits on. */
  approval?: { stepId: string };
  /** When the wait for a human ends (ISO), unchanged across runs. */
  humanDeadline: string;
  /** Whether a remediation ran (a later resolved alert confirms instead of cancelling). */
  remediationStarted: boolean;
  /** Number of earlier runs of this incident. */
  runs: number;
  /** Mails not delivered yet when the run ended (SMTP down): the next run keeps trying them. */
  outbox?: MailRequest[];
}

/** Signal: another delivery of the incident's alert (firing again, or resolved). */
export interface AlertSignal {
  alert: AlertInstance;
  receivedAt: string;
  /** Set by intakes: equal to the input's `deliveryId` when this signal came with the start. */
  deliveryId?: string;
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
  /** The runbook's owners as people (teams expanded); absent in incidents started before it was kept. */
  owners?: string[];
  /**
   * Wait before the next level for this incident's severity, when the chain that pages it sets
   * one in the on-call config (e.g. a guide's response times); otherwise the plan's interval.
   */
  intervalMs?: number;
}

/** An open approval request: who may decide it until when, and what it would run where. */
export interface PendingApproval {
  stepId: string;
  requestedAt: string;
  expiresAt: string;
  approvers: string[];
  /** The step's title, and its command and hosts rendered when the request was made (absent when they could not be). */
  title?: string;
  command?: string;
  target?: string;
  hosts?: string[];
}

/** Where one step record stands. */
export type StepStatus =
  /** Recorded, not started yet. */
  | 'pending'
  /** Its `when:` condition was false or failed to evaluate; it did not run. */
  | 'skipped'
  /** Waits for an approver's decision. */
  | 'awaiting_approval'
  /** Its command (or wait) is under way. */
  | 'running'
  /** Every host succeeded (or the wait elapsed). */
  | 'succeeded'
  /** A host failed, the command could not be sent, or its outcome stayed unknown. */
  | 'failed'
  /** An approver rejected it; it did not run. */
  | 'rejected'
  /** Nobody decided before the approval timeout; it did not run. */
  | 'expired'
  /** The incident ended (or was cancelled) before the step finished. */
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

/**
 * One step as it ran in this incident: a diagnostic, a remediation, or one attempt of one verify
 * probe. Appended when the workflow reaches the step (skipped ones included), in that order.
 */
export interface StepRecord {
  /** The plan's step id; a verify probe's is `<remediation>.verify.<probe>#<attempt>`. */
  id: string;
  phase: 'diagnostic' | 'remediation' | 'verify';
  title: string;
  /** Built-in action the step was expanded from, if any. */
  action?: string;
  /** Name of the plan target the command runs on (absent for a wait). */
  target?: string;
  /** The rendered command (secrets appear only as `$FIREBREAK_SECRET_*` references). */
  command?: string;
  status: StepStatus;
  /** The `when:` condition and what it evaluated to. */
  condition?: { expr: string; result: boolean; error?: string };
  /** Workflow time (ISO) the step started and reached its final status. */
  startedAt?: string;
  endedAt?: string;
  /** Times the command was sent: 1, plus one per recovery probe after a lost worker. */
  attempts?: number;
  /** Per-host results, empty until the command returned. */
  hosts: HostRecord[];
  /** Ran without a human decision (diagnostics, verify probes, `approval: auto` remediations). */
  automated: boolean;
  /** Who approved or rejected the step, when, and why. */
  decidedBy?: Actor & { at: string; decision: 'approved' | 'rejected'; comment?: string };
  /** Why the step failed where no host result says it (a broken template, no hosts, a lost worker). */
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
  /**
   * A delivery for this incident whose labels are not the incident's alert labels: recorded and
   * ignored (a `resolved` one resolves nothing). `labels` names the labels that differ.
   */
  | (TimelineBase & {
      kind: 'alert_conflict';
      data: { receivedAt: string; status: AlertInstance['status']; labels: string[] };
    })
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
      /** `command`/`hosts`: what would run where, rendered when the request was made. */
      data: { approvers: string[]; expiresAt: string; command?: string; hosts?: string[] };
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
  | (TimelineBase & {
      kind: 'notification_sent';
      /** `combined`: the mail also carried these other notices (one mail per person). */
      data: { kind: NoticeKind; to: string[]; combined?: NoticeKind[] };
    })
  /**
   * `data` is absent when the on-call lookup itself failed. `attempt` counts deliveries tried;
   * `retryAt` is when the next one goes out (absent once it is given up or delivered).
   */
  | (TimelineBase & {
      kind: 'notification_failed';
      data?: { kind: NoticeKind; to?: string[]; failed?: string[]; attempt?: number; retryAt?: string };
    })
  /** `levelName`/`reason` are absent on the "paging stops" entry (`level` is where it stopped). */
  | (TimelineBase & { kind: 'escalated'; data: { level: number; levelName?: string; reason?: string } })
  /** `ok: false` when the report could not be written at all. */
  | (TimelineBase & { kind: 'report_written'; data: { emailed: boolean } | { ok: false } });

/** What kind of entry: the discriminant of {@link TimelineEntry}. */
export type TimelineKind = TimelineEntry['kind'];

/** The entry of one kind, e.g. `TimelineEntryOf<'escalated'>`. */
export type TimelineEntryOf<K extends TimelineKind> = Extract<TimelineEntry, { kind: K }>;

/** One incident as the workflow keeps it (and as queries, the CLI, mail and the report read it). */
export interface IncidentState {
  /**
   * Incident id: the workflow id plus the opening time (`incident-<runbook>-<fingerprint>-<UTC>`;
   * older incidents: the workflow id alone). See language/plan/context.ts.
   */
  id: string;
  /** The runbook and the exact compiled plan (hash, version) the incident runs. */
  runbook: {
    id: string;
    title: string;
    service: string;
    file: string;
    planHash: string;
    planVersion: number;
  };
  /** Effective severity: the alert's severity label mapped by the trigger, else the runbook's. */
  severity: Severity;
  status: IncidentStatus;
  /** The delivery that started the incident. */
  alert: AlertInstance;
  /** Deliveries of this alert attached to the incident (the first included). */
  alertCount: number;
  /**
   * Digest of the last delivery put on the timeline: an identical one after it is only counted
   * (Alertmanager resends the same alert every repeat interval), and when it came.
   */
  alertLast?: { digest: string; receivedAt: string };
  /** Deliveries whose labels differed from the incident's (recorded on the timeline up to a bound). */
  alertConflicts?: number;
  /** When the workflow learned that the alert resolved (set once). */
  alertResolvedAt?: string;
  /** Workflow times (ISO): start, last timeline entry, final status set. */
  startedAt: string;
  updatedAt: string;
  endedAt?: string;
  /** The first acknowledgement; it stops the escalation clock. */
  acknowledged?: { by: Actor; at: string };
  /** Every step record, in the order the workflow reached them. */
  steps: StepRecord[];
  /** Approval requests still open; approve/reject is accepted only for these. */
  pendingApprovals: PendingApproval[];
  /**
   * Paging: `level` paged last (0 is the opening page's), `pages` sent (the opening one included),
   * `stopped` once acknowledged, out of levels or ended; `nextAt` is the clock's next deadline
   * while it runs (a continued run resumes from it).
   */
  escalation: { level: number; pages: number; stopped: boolean; nextAt?: string };
  /** On-call facts resolved at start; absent until then (updates are refused meanwhile). */
  oncall?: OnCallSnapshot;
  timeline: TimelineEntry[];
  /** Used single-use link nonces (refused on reuse). */
  usedNonces: string[];
  /**
   * Where the worker that wrote the report kept its copy (paths on that worker's disk: the API
   * serves reports by URL instead); absent until then, or when writing failed.
   */
  report?: { markdownPath: string; htmlPath: string };
  /** The machine (worker host id) all of this incident's `transport: local` steps run on, once pinned. */
  localHost?: string;
}
