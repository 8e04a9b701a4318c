/**
 * The incident's state and the one place that writes it. Everything else (handlers, the clock, the
 * notifier, step execution, the main flow) reads {@link IncidentStore.state}, typed read-only, and
 * changes it through a method here: each method is one fact of the incident, recorded on the
 * timeline in the same breath, so state and audit trail cannot drift apart.
 */
import type { WriteReportResult } from '../../activities/types';
import type {
  Actor,
  ApproveRequest,
  HostRecord,
  IncidentInput,
  IncidentState,
  IncidentStatus,
  OnCallSnapshot,
  StepRecord,
  StepStatus,
  TimelineEntry,
  TimelineEntryOf,
  TimelineKind,
} from '../../contracts/incident';
import { escalationLabel } from '../../contracts/notifications';
import type { ExecutableStep, Severity } from '../../contracts/plan';

/** Workflow time (deterministic: fixed within one activation), ISO 8601. */
export const now = (): string => new Date().toISOString();

/** `T` with every property and array read-only, all the way down. */
export type ReadonlyDeep<T> = T extends (infer U)[]
  ? readonly ReadonlyDeep<U>[]
  : T extends object
    ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> }
    : T;

/** A step record as the rest of the workflow sees it: read it, hand it back to the store to change it. */
export type StepView = ReadonlyDeep<StepRecord>;

/** Step statuses the end of the incident turns into `cancelled`. */
const OPEN_STEP_STATUSES: readonly StepStatus[] = ['pending', 'running', 'awaiting_approval'];

export class IncidentStore {
  private readonly s: IncidentState;

  constructor(input: IncidentInput, severity: Severity) {
    const { plan, alert } = input;
    this.s = input.resume?.state ?? {
      id: input.incidentId,
      runbook: {
        id: plan.runbook.id,
        title: plan.runbook.title,
        service: plan.runbook.service,
        file: plan.runbook.file,
        planHash: plan.hash,
        planVersion: plan.planVersion,
      },
      severity,
      status: 'triggered',
      alert,
      alertCount: 1,
      startedAt: now(),
      updatedAt: now(),
      steps: [],
      pendingApprovals: [],
      escalation: { level: 0, pages: 0, stopped: false },
      timeline: [],
      usedNonces: [],
    };
  }

  /** The live state, read-only: every change goes through a method of this class. */
  get state(): ReadonlyDeep<IncidentState> {
    return this.s;
  }

  /** The live state as a payload (query/update results, report, continue-as-new); never written through. */
  snapshot(): IncidentState {
    return this.s;
  }

  // ---------------------------------------------------------------- timeline and status
  record<K extends TimelineKind>(
    kind: K,
    message: string,
    extra: Omit<TimelineEntryOf<K>, 'at' | 'kind' | 'message'>,
  ): void {
    const at = now();
    this.s.timeline.push({ at, kind, message, ...extra } as TimelineEntry);
    this.s.updatedAt = at;
  }

  setStatus(status: IncidentStatus): void {
    if (this.s.status === status) return;
    this.record('status_changed', `${this.s.status} → ${status}`, {
      data: { from: this.s.status, to: status },
    });
    this.s.status = status;
  }

  // ---------------------------------------------------------------- alert and on-call
  alertReceived(receivedAt: string): void {
    const { alert, severity } = this.s;
    this.record('alert_received', `alert ${alert.fingerprint} (${alert.status}) received at ${receivedAt}`, {
      data: { receivedAt, severity, source: alert.source },
    });
  }

  alertRepeated(receivedAt: string): void {
    this.s.alertCount++;
    this.record('alert_repeated', `alert firing again (delivery ${this.s.alertCount})`, {
      data: { receivedAt },
    });
  }

  /**
   * A firing delivery with the incident's labels: counted always, put on the timeline only when it
   * differs from the last one (`unchanged` false), so resends cannot grow the state.
   */
  alertDelivered(receivedAt: string, digest: string, unchanged: boolean): void {
    if (unchanged) this.s.alertCount++;
    else this.alertRepeated(receivedAt);
    this.s.alertLast = { digest, receivedAt };
  }

  /** A delivery whose labels are not the incident's: counted, recorded up to `maxRecorded` times. */
  alertConflict(
    receivedAt: string,
    status: 'firing' | 'resolved',
    labels: string[],
    maxRecorded: number,
  ): void {
    this.s.alertConflicts = (this.s.alertConflicts ?? 0) + 1;
    if (this.s.alertConflicts > maxRecorded) return;
    const shown = labels.slice(0, 10).join(', ') + (labels.length > 10 ? ', …' : '');
    this.record(
      'alert_conflict',
      `${status} delivery ignored: its labels differ from the incident's (${shown})`,
      { data: { receivedAt, status, labels: labels.slice(0, 50) } },
    );
  }

  alertResolved(message: string, data?: TimelineEntryOf<'alert_resolved'>['data']): void {
    this.s.alertResolvedAt = now();
    this.record('alert_resolved', message, data ? { data } : {});
  }

  setOnCall(oncall: OnCallSnapshot): void {
    this.s.oncall = oncall;
  }

  // ---------------------------------------------------------------- humans
  acknowledge(actor: Actor, comment?: string): void {
    if (!this.s.acknowledged) {
      this.s.acknowledged = { by: actor, at: now() };
      this.s.escalation.stopped = true;
      delete this.s.escalation.nextAt;
    }
    this.record('acknowledged', `${actor.person} acknowledged`, {
      actor,
      ...(comment ? { data: { comment } } : {}),
    });
  }

  /**
   * Opens an approval request for `rec`; returns when it expires. `preview` is what the step would
   * run where, rendered now, so approvers see the exact command and hosts before they decide.
   */
  requestApproval(
    rec: StepView,
    approvers: readonly string[],
    timeoutMs: number,
    preview?: { command: string; target: string; hosts: string[] },
  ): string {
    const requestedAt = now();
    const expiresAt = new Date(Date.now() + timeoutMs).toISOString();
    this.s.pendingApprovals.push({
      stepId: rec.id,
      requestedAt,
      expiresAt,
      approvers: [...approvers],
      title: rec.title,
      ...(preview ? { command: preview.command, target: preview.target, hosts: [...preview.hosts] } : {}),
    });
    if (preview) this.commandRendered(rec, preview.command, preview.target);
    this.w(rec).status = 'awaiting_approval';
    this.setStatus('awaiting_approval');
    this.record(
      'approval_requested',
      `${rec.id} needs approval by ${approvers.join(', ')} until ${expiresAt}`,
      {
        stepId: rec.id,
        data: {
          approvers: [...approvers],
          expiresAt,
          ...(preview ? { command: preview.command, hosts: [...preview.hosts] } : {}),
        },
      },
    );
    return expiresAt;
  }

  decide(req: ApproveRequest, approved: boolean, at: string): void {
    if (req.nonce !== undefined) this.s.usedNonces.push(req.nonce);
    this.s.pendingApprovals = this.s.pendingApprovals.filter((p) => p.stepId !== req.stepId);
    const rec = this.s.steps.find((s) => s.id === req.stepId && s.phase === 'remediation');
    if (rec) {
      rec.decidedBy = {
        ...req.actor,
        at,
        decision: approved ? 'approved' : 'rejected',
        ...(req.comment ? { comment: req.comment } : {}),
      };
    }
    this.record(
      approved ? 'approved' : 'rejected',
      `${req.actor.person} ${approved ? 'approved' : 'rejected'} ${req.stepId}`,
      {
        stepId: req.stepId,
        actor: req.actor,
        ...(req.comment ? { data: { comment: req.comment } } : {}),
      },
    );
  }

  approvalExpired(rec: StepView, timeoutMs: number): void {
    this.s.pendingApprovals = this.s.pendingApprovals.filter((p) => p.stepId !== rec.id);
    this.w(rec).status = 'expired';
    this.w(rec).endedAt = now();
    this.record('approval_expired', `${rec.id}: nobody decided within ${timeoutMs / 60_000} min; not run`, {
      stepId: rec.id,
    });
  }

  rejected(rec: StepView): void {
    this.w(rec).status = 'rejected';
    this.w(rec).endedAt = now();
  }

  // ---------------------------------------------------------------- escalation
  /** The page that opens the incident counts as the first. */
  countOpeningPage(): void {
    this.s.escalation.pages = 1;
  }

  paged(level: number, levelName: string, reason: string): void {
    this.s.escalation.level = level;
    this.s.escalation.pages++;
    this.record('escalated', `paged ${escalationLabel(level, levelName)}: ${reason}`, {
      data: { level, levelName, reason },
    });
  }

  pagingStopped(): void {
    const last = escalationLabel(
      this.s.escalation.level,
      this.s.oncall?.levels[this.s.escalation.level]?.name,
    );
    this.record(
      'escalated',
      `last level (${last}) reached and repeatLast is off: paging stops until acknowledged`,
      {
        data: { level: this.s.escalation.level },
      },
    );
    this.s.escalation.stopped = true;
  }

  setNextPage(at: string): void {
    this.s.escalation.nextAt = at;
  }

  clearNextPage(): void {
    delete this.s.escalation.nextAt;
  }

  // ---------------------------------------------------------------- steps
  newStep(
    id: string,
    phase: StepRecord['phase'],
    step: ExecutableStep,
    title: string,
    automated: boolean,
  ): StepView {
    const rec: StepRecord = {
      id,
      phase,
      title,
      status: 'pending',
      hosts: [],
      automated,
      ...(step.kind === 'command'
        ? { target: step.target, ...(step.action ? { action: step.action } : {}) }
        : {}),
    };
    this.s.steps.push(rec);
    return rec;
  }

  /** The `when:` condition of `rec` evaluated; a false (or failed) one skips the step. */
  /**
   * Records a `when:` outcome. False skips the step; with `failed`, a condition that could not be
   * evaluated fails the step instead (its `on_failure` is escalate or abort).
   */
  conditionEvaluated(
    rec: StepView,
    expr: string,
    result: boolean,
    error: string | undefined,
    failed = false,
  ): void {
    this.w(rec).condition = { expr, result, ...(error ? { error } : {}) };
    this.record('condition_evaluated', `${rec.id}: ${expr} → ${error ? `error: ${error}` : String(result)}`, {
      stepId: rec.id,
      data: { expr, result, ...(error ? { error } : {}) },
    });
    if (failed) {
      this.stepError(rec, `condition ${expr} failed to evaluate: ${error ?? 'unknown error'}`);
      this.stepFinished(rec, false);
      return;
    }
    if (!result) {
      this.w(rec).status = 'skipped';
      this.record(
        'step_skipped',
        `${rec.id} skipped (${error ? 'condition failed to evaluate' : 'condition false'})`,
        {
          stepId: rec.id,
        },
      );
    }
  }

  stepStarted(rec: StepView): void {
    this.w(rec).status = 'running';
    this.w(rec).startedAt = now();
    this.record('step_started', `${rec.id}: ${rec.title}`, { stepId: rec.id });
  }

  waited(rec: StepView, durationMs: number): void {
    this.w(rec).status = 'succeeded';
    this.w(rec).endedAt = now();
    this.record('step_finished', `${rec.id} waited ${durationMs} ms`, { stepId: rec.id, data: { ok: true } });
  }

  commandRendered(rec: StepView, command: string, target: string): void {
    this.w(rec).command = command;
    this.w(rec).target = target;
  }

  setAttempts(rec: StepView, attempts: number): void {
    this.w(rec).attempts = attempts;
  }

  setHosts(rec: StepView, hosts: HostRecord[]): void {
    this.w(rec).hosts = hosts;
  }

  stepError(rec: StepView, error: string): void {
    this.w(rec).error = error;
  }

  stepCancelled(rec: StepView): void {
    this.w(rec).status = 'cancelled';
    this.w(rec).endedAt = now();
  }

  stepFinished(rec: StepView, ok: boolean): void {
    this.w(rec).status = ok ? 'succeeded' : 'failed';
    this.w(rec).endedAt = now();
    this.record(
      'step_finished',
      `${rec.id} ${ok ? 'succeeded' : 'failed'}${rec.error ? `: ${rec.error}` : ''}`,
      {
        stepId: rec.id,
        data: { ok, hosts: rec.hosts.map((h) => ({ host: h.host, ok: h.ok, exitCode: h.exitCode })) },
      },
    );
  }

  // ---------------------------------------------------------------- the end
  /** Closes the books: open steps and approvals cancelled, the final status set, paging over. */
  finish(final: IncidentStatus): void {
    for (const s of this.s.steps) {
      if (OPEN_STEP_STATUSES.includes(s.status)) {
        s.status = 'cancelled';
        s.endedAt ??= now();
      }
    }
    this.s.pendingApprovals = [];
    this.setStatus(final);
    this.s.escalation.stopped = true;
    this.s.endedAt = now();
  }

  /** The incident's local steps run on this machine from now on (see pinning.ts). */
  localHostPinned(hostId: string): void {
    this.s.localHost = hostId;
  }

  reportWritten(report: WriteReportResult): void {
    this.s.report = { markdownPath: report.markdownPath, htmlPath: report.htmlPath };
    this.record(
      'report_written',
      // No path here: the timeline is read from every process; the file is on one worker's disk.
      `report written${report.emailed ? ' and mailed' : ''}${report.error ? ` (${report.error})` : ''}`,
      { data: { emailed: report.emailed } },
    );
  }

  /** The writable record behind a view handed out by {@link newStep}. */
  private w(rec: StepView): StepRecord {
    return rec as StepRecord;
  }
}
