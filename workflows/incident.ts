/**
 * The incident workflow: ONE generic, deterministic interpreter of a compiled {@link Plan}.
 *
 * Three things run side by side from the start:
 * - the main flow (diagnostics → approvals → remediations → verify → resolution), inside a
 *   cancellation scope so a resolved alert or a human close can stop it mid-step;
 * - the escalation clock, which pages the next on-call level every interval until someone
 *   acknowledges (it is never inside the main scope, so nothing there can silence it);
 * - notifications, fired without blocking either of the above and awaited before the end.
 * The state (and its timeline) is the source of truth for queries, the CLI and the report.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type {
  IncidentActivities,
  NotificationInput,
  ResolvedTarget,
  RunCommandInput,
  RunCommandResult,
} from '../activities/types';
import type {
  Actor,
  AlertSignal,
  ApproveRequest,
  IncidentInput,
  IncidentState,
  IncidentStatus,
  OnCallSnapshot,
  StepRecord,
  TimelineEntry,
  TimelineEntryOf,
  TimelineKind,
} from '../incident/types';
import type {
  CommandStep,
  ExecutableStep,
  ExpressionContext,
  NotificationKind,
  Plan,
  StepOutcome,
  VerifySpec,
} from '../plan/types';
import {
  ackUpdate,
  alertSignal,
  approveUpdate,
  closeUpdate,
  noteUpdate,
  refusalSignal,
  rejectUpdate,
  stateQuery,
  statusQuery,
} from './definitions';
import { initialContext } from '../plan/context';
import { evaluateCondition, evaluateSuccess, effectiveSeverity, renderTemplate } from './lang';

/** Refusals recorded on the timeline; past this they are only counted (history stays bounded). */
export const MAX_RECORDED_REFUSALS = 50;
/** How long an escalated incident waits for a human before it is closed as failed. */
export const HUMAN_WAIT_MS = 7 * 24 * 3_600_000;
/** History length after which an incident waiting for a human continues-as-new (Temporal warns at 10k). */
export const CONTINUE_AS_NEW_AFTER_EVENTS = 4_000;
/** Heartbeat timeout for commands: a dead worker is noticed this fast, not after the step timeout. */
export const COMMAND_HEARTBEAT_MS = 10_000;
/** First look at the target after a lost worker: long enough for a short command to finish. */
export const RECOVERY_FIRST_PROBE_MS = 5_000;
/** Output kept per stream in the state copy sent to notification activities (history stays small). */
const NOTIFY_OUTPUT_CHARS = 2_000;
const NOTIFY_TIMELINE_ENTRIES = 60;

const { resolveOnCall } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '1s', maximumInterval: '30s' },
});
/**
 * The on-call lookup reads a local file: as a local activity it runs in the worker that holds the
 * workflow task, saving a task-queue round trip before the first diagnostic command starts.
 * Incidents started before this change replay the scheduled-activity path (see {@link LOCAL_ONCALL_PATCH}).
 */
const { resolveOnCall: resolveOnCallLocally } = proxyLocalActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1s', maximumInterval: '30s' },
});
/** Patch marker: the on-call lookup became a local activity. */
export const LOCAL_ONCALL_PATCH = 'local-oncall-lookup';
const { sendNotification } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 4, initialInterval: '2s', maximumInterval: '1 minute' },
});
const { writeReport } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3, initialInterval: '2s' },
});

/** One decision on an approval request, set by the approve/reject update handlers. */
interface Decision {
  approved: boolean;
  actor: Actor;
  at: string;
  comment?: string;
}

/** Thrown out of the wait for a human when history is long: the top level continues-as-new. */
class Suspend extends Error {
  constructor() {
    super('continue-as-new');
  }
}

/** Thrown inside the main flow to end it with a given outcome (caught at the top). */
class StopFlow extends Error {
  constructor(readonly outcome: 'escalated' | 'failed') {
    super(outcome);
  }
}

/** The activity's worker stopped answering: the command may or may not have run. */
function workerLost(e: unknown): boolean {
  return e instanceof ActivityFailure && e.cause instanceof TimeoutFailure;
}

/** The idempotency guard found a claim without a result: the first run is still going or died. */
function unknownOutcome(e: unknown): boolean {
  return (
    e instanceof ActivityFailure &&
    e.cause instanceof ApplicationFailure &&
    e.cause.type === 'IdempotencyUnknownOutcome'
  );
}

function errorMessage(e: unknown): string {
  if (e instanceof ActivityFailure && e.cause) return e.cause.message;
  return e instanceof Error ? e.message : String(e);
}

/** Fallback on-call facts from the plan alone, used when resolveOnCall keeps failing. */
function planOnlyOnCall(plan: Plan): OnCallSnapshot {
  const levels = plan.escalation.levels.map((people, i) => ({ name: `level-${i + 1}`, people }));
  if (levels.length === 0) levels.push({ name: 'owners', people: plan.runbook.owners });
  const everyone = [...new Set(levels.flatMap((l) => l.people))];
  return {
    people: {},
    levels,
    approvers: plan.runbook.owners,
    responders: everyone,
    notify: {},
  };
}

export async function incidentWorkflow(input: IncidentInput): Promise<IncidentState> {
  const { plan, alert } = input;
  const now = (): string => new Date().toISOString();
  const startedMs = Date.now();
  const severity = effectiveSeverity(plan, alert);

  const state: IncidentState = input.resume?.state ?? {
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

  const record = <K extends TimelineKind>(
    kind: K,
    message: string,
    extra: Omit<TimelineEntryOf<K>, 'at' | 'kind' | 'message'>,
  ): void => {
    const at = now();
    state.timeline.push({ at, kind, message, ...extra } as TimelineEntry);
    state.updatedAt = at;
  };
  const setStatus = (status: IncidentStatus): void => {
    if (state.status === status) return;
    record('status_changed', `${state.status} → ${status}`, { data: { from: state.status, to: status } });
    state.status = status;
  };

  const decisions = new Map<string, Decision>();
  let finished = false;
  /** Set while handing over to a continued run: the clock stops but keeps its next deadline. */
  let suspending = false;
  let remediationStarted = input.resume?.remediationStarted ?? false;
  const continueAfter = input.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_AFTER_EVENTS;
  let humanDeadline = input.resume ? Date.parse(input.resume.humanDeadline) : undefined;
  let closeRequest: { outcome: 'resolved' | 'failed'; actor: Actor; comment?: string } | undefined;
  let escalateNow: { reason: string } | undefined;
  const pendingNotifications = new Set<Promise<void>>();
  let mainScope: CancellationScope | undefined;
  let cancelReason: 'alert_resolved' | 'closed' | undefined;

  // ---------------------------------------------------------------- queries, signal, updates
  setHandler(stateQuery, () => state);
  setHandler(statusQuery, () => state.status);

  const isTerminal = (): boolean => finished || ['resolved', 'failed', 'cancelled'].includes(state.status);

  setHandler(alertSignal, ({ alert: delivery, receivedAt }: AlertSignal) => {
    if (delivery.status === 'firing') {
      state.alertCount++;
      record('alert_repeated', `alert firing again (delivery ${state.alertCount})`, { data: { receivedAt } });
      return;
    }
    if (state.alertResolvedAt) return;
    state.alertResolvedAt = now();
    record('alert_resolved', 'alert resolved', { data: { receivedAt, endsAt: delivery.endsAt } });
    // No remediation on a resolved alert: an incident still diagnosing or waiting for the first
    // approval is cancelled; once remediation started, the resolution confirms it instead.
    if (!remediationStarted && !isTerminal() && mainScope && cancelReason === undefined) {
      cancelReason = 'alert_resolved';
      mainScope.cancel();
    }
  });

  setHandler(refusalSignal, (r) => {
    const recorded = state.timeline.filter((e) => e.kind === 'approval_refused').length;
    if (recorded >= MAX_RECORDED_REFUSALS) return;
    const what = `${r.action}${r.stepId ? ` ${r.stepId}` : ''}`;
    record(
      'approval_refused',
      `${r.actor.person} (${r.actor.channel}) was refused: ${what}: ${r.reason.slice(0, 500)}`,
      {
        actor: r.actor,
        ...(r.stepId ? { stepId: r.stepId } : {}),
        data: { action: r.action, reason: r.reason.slice(0, 500) },
      },
    );
  });

  const requireOnCall = (): OnCallSnapshot => {
    if (!state.oncall)
      throw new Error('the incident is still starting (on-call not resolved yet); try again');
    return state.oncall;
  };
  const requireResponder = (actor: Actor, what: string): void => {
    const oc = requireOnCall();
    if (!oc.responders.includes(actor.person) && !oc.approvers.includes(actor.person)) {
      throw new Error(`${actor.person} is not a responder of incident ${state.id} and may not ${what}`);
    }
  };
  const validateDecision =
    (verb: 'approve' | 'reject') =>
    (req: ApproveRequest): void => {
      const oc = requireOnCall();
      const pending = state.pendingApprovals.find((p) => p.stepId === req.stepId);
      if (!pending) {
        const step = state.steps.find((s) => s.id === req.stepId);
        throw new Error(
          step
            ? `step ${req.stepId} is not awaiting approval (it is ${step.status}); ${req.actor.person} cannot ${verb} it`
            : `step ${req.stepId} is not awaiting approval in incident ${state.id}`,
        );
      }
      if (!oc.approvers.includes(req.actor.person)) {
        throw new Error(
          `${req.actor.person} is not an approver for step ${req.stepId} of incident ${state.id}`,
        );
      }
      if (req.nonce !== undefined && state.usedNonces.includes(req.nonce)) {
        throw new Error(
          `approval link for step ${req.stepId} was already used (nonce reuse by ${req.actor.person})`,
        );
      }
    };
  const decide =
    (approved: boolean) =>
    (req: ApproveRequest): IncidentState => {
      const at = now();
      if (req.nonce !== undefined) state.usedNonces.push(req.nonce);
      decisions.set(req.stepId, {
        approved,
        actor: req.actor,
        at,
        ...(req.comment ? { comment: req.comment } : {}),
      });
      state.pendingApprovals = state.pendingApprovals.filter((p) => p.stepId !== req.stepId);
      const rec = state.steps.find((s) => s.id === req.stepId && s.phase === 'remediation');
      if (rec) {
        rec.decidedBy = {
          ...req.actor,
          at,
          decision: approved ? 'approved' : 'rejected',
          ...(req.comment ? { comment: req.comment } : {}),
        };
      }
      record(
        approved ? 'approved' : 'rejected',
        `${req.actor.person} ${approved ? 'approved' : 'rejected'} ${req.stepId}`,
        {
          stepId: req.stepId,
          actor: req.actor,
          ...(req.comment ? { data: { comment: req.comment } } : {}),
        },
      );
      return state;
    };
  setHandler(approveUpdate, decide(true), { validator: validateDecision('approve') });
  setHandler(rejectUpdate, decide(false), { validator: validateDecision('reject') });

  setHandler(
    ackUpdate,
    (req) => {
      if (!state.acknowledged) {
        state.acknowledged = { by: req.actor, at: now() };
        state.escalation.stopped = true;
        delete state.escalation.nextAt;
      }
      record('acknowledged', `${req.actor.person} acknowledged`, {
        actor: req.actor,
        ...(req.comment ? { data: { comment: req.comment } } : {}),
      });
      return state;
    },
    { validator: (req) => requireResponder(req.actor, 'acknowledge it') },
  );
  setHandler(
    noteUpdate,
    (req) => {
      record('note', req.text, { actor: req.actor });
      return state;
    },
    {
      validator: (req) => {
        requireResponder(req.actor, 'add notes');
        if (req.text.trim() === '') throw new Error(`note from ${req.actor.person} is empty`);
      },
    },
  );
  setHandler(
    closeUpdate,
    (req) => {
      closeRequest = {
        outcome: req.outcome,
        actor: req.actor,
        ...(req.comment ? { comment: req.comment } : {}),
      };
      record('closed', `${req.actor.person} closed the incident as ${req.outcome}`, {
        actor: req.actor,
        ...(req.comment ? { data: { comment: req.comment } } : {}),
      });
      if (mainScope && cancelReason === undefined) {
        cancelReason = 'closed';
        mainScope.cancel();
      }
      return state;
    },
    {
      validator: (req) => {
        requireResponder(req.actor, 'close it');
        if (isTerminal() || closeRequest)
          throw new Error(
            `incident ${state.id} is already ${state.status}; ${req.actor.person} cannot close it`,
          );
      },
    },
  );

  // ---------------------------------------------------------------- notifications
  const compactState = (): IncidentState => ({
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
  });

  const recipients = (kind: NotificationKind, base: string[]): string[] => [
    ...new Set([...base, ...(state.oncall?.notify[kind] ?? [])]),
  ];

  /** Fires a notification without blocking; the outcome lands on the timeline. Never throws. */
  const notify = (
    kind: NotificationKind,
    to: string[],
    extra: Pick<NotificationInput, 'approval' | 'escalation'> = {},
  ): void => {
    if (to.length === 0) {
      record('notification_failed', `${kind}: nobody to notify`, { data: { kind } });
      return;
    }
    const req: NotificationInput = {
      kind,
      incidentId: state.id,
      to,
      state: compactState(),
      ...extra,
      ...(input.links ? { links: input.links } : {}),
    };
    // Non-cancellable: a cancelled main flow must not swallow a page that is already on its way.
    const p = CancellationScope.nonCancellable(() => sendNotification(req)).then(
      (res) => {
        const failed = res.deliveries.filter((d) => !d.ok);
        if (failed.length === 0) {
          record('notification_sent', `${kind} sent to ${to.join(', ')}`, { data: { kind, to } });
        } else {
          record(
            'notification_failed',
            `${kind}: ${failed.map((d) => `${d.to}: ${d.error ?? 'failed'}`).join('; ')}`,
            {
              data: { kind, to, failed: failed.map((d) => d.to) },
            },
          );
        }
      },
      (err: unknown) => {
        record('notification_failed', `${kind} to ${to.join(', ')} failed: ${errorMessage(err)}`, {
          data: { kind, to },
        });
      },
    );
    pendingNotifications.add(p);
    void p.finally(() => pendingNotifications.delete(p));
  };

  // ---------------------------------------------------------------- escalation clock
  const intervalMs = plan.escalation.intervalMs[severity];
  const levelPeople = (i: number): string[] => state.oncall?.levels[i]?.people ?? [];

  const page = (level: number, reason: string): void => {
    const levels = state.oncall?.levels ?? [];
    state.escalation.level = level;
    state.escalation.pages++;
    const name = levels[level]?.name ?? `level-${level + 1}`;
    record('escalated', `paged ${name} (level ${level + 1}): ${reason}`, {
      data: { level, levelName: name, reason },
    });
    notify('escalated', recipients('escalated', levelPeople(level)), {
      escalation: { level, levelName: name },
    });
  };

  const escalationClock = async (): Promise<void> => {
    // Deadlines count from the incident start, so the first page lands exactly one interval after it.
    let deadline = state.escalation.nextAt ? Date.parse(state.escalation.nextAt) : startedMs + intervalMs;
    const levels = state.oncall?.levels.length ?? 0;
    if (state.escalation.stopped) return;
    for (let round = 0; round < 100_000; round++) {
      if (finished || suspending || state.acknowledged) break;
      state.escalation.nextAt = new Date(deadline).toISOString();
      const wait = Math.max(1, deadline - Date.now());
      const woke = await condition(
        () => finished || suspending || !!state.acknowledged || escalateNow !== undefined,
        wait,
      );
      if (suspending) return; // nextAt stays: the continued run picks the clock up from there
      if (finished || state.acknowledged) break;
      const reason =
        woke && escalateNow ? escalateNow.reason : `not acknowledged within ${intervalMs / 60_000} min`;
      escalateNow = undefined;
      const next = state.escalation.level + 1;
      if (next < levels) {
        page(next, reason);
      } else if (plan.escalation.repeatLast || woke) {
        page(Math.max(0, levels - 1), reason);
      } else {
        record('escalated', `last level reached and repeatLast is off: paging stops until acknowledged`, {
          data: { level: state.escalation.level },
        });
        state.escalation.stopped = true;
        break;
      }
      deadline = Date.now() + intervalMs;
    }
    delete state.escalation.nextAt;
  };

  /** Page the next level now (expired approval, failed remediation) and restart the clock. */
  const escalate = (reason: string): void => {
    setStatus('escalated');
    if (state.escalation.stopped) {
      // The clock is off (acknowledged, or out of levels): page whoever holds it now, directly.
      page(state.escalation.level, reason);
    } else {
      escalateNow = { reason };
    }
  };

  // ---------------------------------------------------------------- steps
  const ctx: ExpressionContext = initialContext(plan, alert, state.id, severity);

  const checkWhen = (rec: StepRecord, when: string | undefined): boolean => {
    if (when === undefined) return true;
    let result = false;
    let error: string | undefined;
    try {
      result = evaluateCondition(when, ctx);
    } catch (e) {
      error = errorMessage(e);
    }
    rec.condition = { expr: when, result, ...(error ? { error } : {}) };
    record('condition_evaluated', `${rec.id}: ${when} → ${error ? `error: ${error}` : String(result)}`, {
      stepId: rec.id,
      data: { expr: when, result, ...(error ? { error } : {}) },
    });
    if (!result) {
      rec.status = 'skipped';
      record(
        'step_skipped',
        `${rec.id} skipped (${error ? 'condition failed to evaluate' : 'condition false'})`,
        { stepId: rec.id },
      );
    }
    return result;
  };

  const proxyFor = (
    step: CommandStep,
    hostCount: number,
    concurrency: number,
  ): IncidentActivities['runCommand'] => {
    const rounds = Math.max(1, Math.ceil(hostCount / Math.max(1, concurrency)));
    const options: ActivityOptions = {
      // The activity enforces the command timeout per host; this bounds the whole fan-out plus connects.
      startToCloseTimeout: step.timeoutMs * rounds + 30_000,
      heartbeatTimeout: COMMAND_HEARTBEAT_MS,
      retry: step.idempotent
        ? {
            maximumAttempts: step.retry.maximumAttempts,
            initialInterval: step.retry.initialIntervalMs,
            backoffCoefficient: step.retry.backoffCoefficient,
            maximumInterval: step.retry.maximumIntervalMs,
          }
        : { maximumAttempts: 1 },
    };
    return proxyActivities<IncidentActivities>(options).runCommand;
  };

  /**
   * A non-idempotent step whose worker vanished (heartbeat or start-to-close timeout) may or may
   * not have run. It is never retried blindly: the same request is re-sent with the same
   * idempotency key, and the guard on the target either hands back the recorded result or
   * reports the outcome unknown (the command is still running or died) — a few bounded probes,
   * then the original failure stands and the step fails (and escalates).
   */
  const recoverOutcome = async (
    rec: StepRecord,
    run: IncidentActivities['runCommand'],
    request: RunCommandInput,
    lost: unknown,
  ): Promise<RunCommandResult> => {
    record(
      'step_finished',
      `${rec.id}: worker lost mid-command (${errorMessage(lost)}); asking the target for the recorded outcome`,
      {
        stepId: rec.id,
        data: { recovering: true },
      },
    );
    const delays = [
      RECOVERY_FIRST_PROBE_MS,
      Math.max(RECOVERY_FIRST_PROBE_MS, request.timeoutMs / 2),
      request.timeoutMs,
    ];
    let last: unknown = lost;
    for (const delay of delays) {
      await sleep(delay);
      rec.attempts = (rec.attempts ?? 1) + 1;
      try {
        return await run(request);
      } catch (e) {
        last = e;
        if (!unknownOutcome(e)) break;
      }
    }
    throw last;
  };

  /** Runs one executable step into `rec`; returns whether it succeeded. */
  const execute = async (rec: StepRecord, step: ExecutableStep): Promise<boolean> => {
    rec.status = 'running';
    rec.startedAt = now();
    record('step_started', `${rec.id}: ${rec.title}`, { stepId: rec.id });
    if (step.kind === 'wait') {
      await sleep(step.durationMs);
      rec.status = 'succeeded';
      rec.endedAt = now();
      record('step_finished', `${rec.id} waited ${step.durationMs} ms`, {
        stepId: rec.id,
        data: { ok: true },
      });
      return true;
    }
    let ok: boolean;
    try {
      const target = plan.targets[step.target];
      if (!target)
        throw ApplicationFailure.nonRetryable(
          `step ${step.id} names unknown target "${step.target}"`,
          'UnknownTarget',
        );
      const hosts = target.hosts.map((t) => renderTemplate(t, ctx).trim()).filter((h) => h !== '');
      const resolved: ResolvedTarget = { ...target, hosts };
      const command = renderTemplate(step.command, ctx);
      rec.command = command;
      rec.target = step.target;
      const env: Record<string, string> = {};
      for (const [k, t] of Object.entries(step.env)) env[k] = renderTemplate(t, ctx);
      const run = proxyFor(step, hosts.length, target.concurrency);
      const request: RunCommandInput = {
        incidentId: state.id,
        stepId: rec.id,
        target: resolved,
        command,
        secrets: step.secrets,
        sudo: step.sudo,
        ...(step.cwd ? { cwd: renderTemplate(step.cwd, ctx) } : {}),
        env,
        timeoutMs: step.timeoutMs,
        outputCapBytes: step.outputCapBytes,
        extract: step.extract,
        ...(step.idempotent ? {} : { idempotencyKey: `${state.id}/${rec.id}` }),
      };
      rec.attempts = 1;
      let result: RunCommandResult;
      try {
        result = await run(request);
      } catch (e) {
        if (step.idempotent || !workerLost(e)) throw e;
        result = await recoverOutcome(rec, run, request, e);
      }
      rec.hosts = result.hosts.map((h) => {
        let hostOk = false;
        let error = h.error;
        if (!h.error) {
          try {
            hostOk = evaluateSuccess(step.success, h);
          } catch (e) {
            error = `success expression failed: ${errorMessage(e)}`;
          }
        }
        return { ...h, ok: hostOk, ...(error ? { error } : {}) };
      });
      ok = rec.hosts.length > 0 && rec.hosts.every((h) => h.ok);
      if (rec.hosts.length === 0) rec.error = `target ${step.target} resolved to no hosts`;
      const first = rec.hosts[0];
      const outcome: StepOutcome = {
        ok,
        exitCode: first?.exitCode ?? null,
        stdout: first?.stdout ?? '',
        stderr: first?.stderr ?? '',
        values: first?.values ?? {},
        hosts: rec.hosts.map((h) => ({ host: h.host, ok: h.ok, exitCode: h.exitCode, values: h.values })),
      };
      ctx.steps[rec.id] = outcome;
    } catch (e) {
      if (isCancellation(e)) {
        rec.status = 'cancelled';
        rec.endedAt = now();
        throw e;
      }
      rec.error = errorMessage(e);
      ok = false;
    }
    rec.status = ok ? 'succeeded' : 'failed';
    rec.endedAt = now();
    record('step_finished', `${rec.id} ${ok ? 'succeeded' : 'failed'}${rec.error ? `: ${rec.error}` : ''}`, {
      stepId: rec.id,
      data: { ok, hosts: rec.hosts.map((h) => ({ host: h.host, ok: h.ok, exitCode: h.exitCode })) },
    });
    return ok;
  };

  const newRecord = (
    id: string,
    phase: StepRecord['phase'],
    step: ExecutableStep,
    title: string,
    automated: boolean,
  ): StepRecord => {
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
    state.steps.push(rec);
    return rec;
  };

  const verify = async (remediationId: string, spec: VerifySpec): Promise<boolean> => {
    setStatus('verifying');
    for (let attempt = 1; attempt <= Math.max(1, spec.attempts); attempt++) {
      let all = true;
      for (const step of spec.steps) {
        const rec = newRecord(
          `${remediationId}.verify.${step.id}#${attempt}`,
          'verify',
          step,
          step.title,
          true,
        );
        if (!(await execute(rec, step))) all = false;
      }
      if (all) return true;
      if (attempt < spec.attempts) await sleep(spec.intervalMs);
    }
    return false;
  };

  // ---------------------------------------------------------------- main flow
  const diagnose = async (): Promise<void> => {
    setStatus('diagnosing');
    for (const stage of plan.diagnostics) {
      const runOne = async (d: (typeof stage.steps)[number]): Promise<void> => {
        const rec = newRecord(d.step.id, 'diagnostic', d.step, d.step.title, true);
        if (!checkWhen(rec, d.when)) return;
        const ok = await execute(rec, d.step);
        if (!ok && d.onFailure === 'escalate') {
          throw new StopFlow('escalated');
        }
      };
      if (stage.parallel) {
        const results = await Promise.allSettled(stage.steps.map(runOne));
        const cancelled = results.find((r) => r.status === 'rejected' && isCancellation(r.reason));
        if (cancelled && cancelled.status === 'rejected') throw cancelled.reason;
        const failed = results.find((r) => r.status === 'rejected');
        if (failed && failed.status === 'rejected') throw failed.reason;
      } else {
        for (const d of stage.steps) await runOne(d);
      }
    }
  };

  /** Returns how many remediations ran successfully; throws StopFlow to stop remediating. */
  const remediate = async (): Promise<number> => {
    let succeeded = 0;
    for (const r of plan.remediations) {
      const rec = newRecord(r.id, 'remediation', r.run, r.title, r.approval === 'auto');
      if (!checkWhen(rec, r.when)) continue;
      if (r.approval === 'required') {
        const oc = state.oncall ?? planOnlyOnCall(plan);
        const requestedAt = now();
        const expiresAt = new Date(Date.now() + r.approvalTimeoutMs).toISOString();
        state.pendingApprovals.push({ stepId: r.id, requestedAt, expiresAt, approvers: oc.approvers });
        rec.status = 'awaiting_approval';
        setStatus('awaiting_approval');
        record(
          'approval_requested',
          `${r.id} needs approval by ${oc.approvers.join(', ')} until ${expiresAt}`,
          {
            stepId: r.id,
            data: { approvers: oc.approvers, expiresAt },
          },
        );
        notify('approval_needed', recipients('approval_needed', oc.approvers), {
          approval: { stepId: r.id, expiresAt },
        });
        const decided = await condition(() => decisions.has(r.id), r.approvalTimeoutMs);
        const decision = decisions.get(r.id);
        if (!decided || !decision) {
          state.pendingApprovals = state.pendingApprovals.filter((p) => p.stepId !== r.id);
          rec.status = 'expired';
          rec.endedAt = now();
          record(
            'approval_expired',
            `${r.id}: nobody decided within ${r.approvalTimeoutMs / 60_000} min; not run`,
            { stepId: r.id },
          );
          escalate(`approval for ${r.id} expired`);
          throw new StopFlow('escalated');
        }
        if (!decision.approved) {
          rec.status = 'rejected';
          rec.endedAt = now();
          continue;
        }
      }
      remediationStarted = true;
      setStatus('remediating');
      let ok = await execute(rec, r.run);
      if (ok && r.verify) ok = await verify(r.id, r.verify);
      if (ok) {
        succeeded++;
        notify(
          'remediation_succeeded',
          recipients('remediation_succeeded', levelPeople(state.escalation.level)),
        );
        continue;
      }
      notify('remediation_failed', recipients('remediation_failed', levelPeople(state.escalation.level)));
      if (r.onFailure === 'continue') continue;
      if (r.onFailure === 'abort') throw new StopFlow('failed');
      escalate(`remediation ${r.id} failed${rec.error ? `: ${rec.error}` : ''}`);
      throw new StopFlow('escalated');
    }
    return succeeded;
  };

  /** Waits for a human close or the alert resolving (bounded); returns the final status. */
  const awaitHuman = async (): Promise<IncidentStatus> => {
    humanDeadline ??= Date.now() + HUMAN_WAIT_MS;
    const tooLong = (): boolean =>
      workflowInfo().historyLength > continueAfter || workflowInfo().continueAsNewSuggested;
    await condition(
      () => closeRequest !== undefined || state.alertResolvedAt !== undefined || tooLong(),
      Math.max(1, humanDeadline - Date.now()),
    );
    if (closeRequest) return closeRequest.outcome;
    if (state.alertResolvedAt !== undefined) return 'resolved';
    if (tooLong()) throw new Suspend();
    record('closed', `no human closed the incident within ${HUMAN_WAIT_MS / 3_600_000} h`, {});
    return 'failed';
  };

  const mainFlow = async (): Promise<IncidentStatus> => {
    try {
      await diagnose();
      const succeeded = await remediate();
      switch (plan.resolution.mode) {
        case 'verify':
          if (succeeded > 0) return 'resolved';
          escalate('no remediation ran; a human has to take over');
          return await awaitHuman();
        case 'alert_resolved': {
          if (!state.alertResolvedAt) {
            const ok = await condition(() => state.alertResolvedAt !== undefined, plan.resolution.timeoutMs);
            if (!ok) {
              escalate(`alert still firing ${plan.resolution.timeoutMs / 60_000} min after remediation`);
              return await awaitHuman();
            }
          }
          return 'resolved';
        }
        case 'human':
          return await awaitHuman();
      }
    } catch (e) {
      if (e instanceof StopFlow) {
        if (e.outcome === 'failed') return 'failed';
        setStatus('escalated');
        return await awaitHuman();
      }
      throw e;
    }
  };

  // ---------------------------------------------------------------- run
  /** Runs `flow` in the main cancellation scope and maps how it ended to a final status. */
  const runMain = async (flow: () => Promise<IncidentStatus>): Promise<IncidentStatus | 'suspend'> => {
    const scope = new CancellationScope();
    mainScope = scope;
    try {
      return await scope.run(flow);
    } catch (e) {
      if (e instanceof Suspend) return 'suspend';
      if (!isCancellation(e)) {
        record('closed', `incident failed: ${errorMessage(e)}`, {});
        return 'failed';
      }
      return cancelReason === 'closed' && closeRequest ? closeRequest.outcome : 'cancelled';
    } finally {
      mainScope = undefined;
    }
  };

  let clock: Promise<void>;
  let outcome: IncidentStatus | 'suspend';
  if (input.resume) {
    // A continued run: everything before the wait for a human is already in the state.
    clock = escalationClock();
    outcome = await runMain(awaitHuman);
  } else {
    record('alert_received', `alert ${alert.fingerprint} (${alert.status}) received at ${input.receivedAt}`, {
      data: { receivedAt: input.receivedAt, severity, source: alert.source },
    });
    try {
      const lookup = patched(LOCAL_ONCALL_PATCH) ? resolveOnCallLocally : resolveOnCall;
      state.oncall = await lookup({
        runbookId: plan.runbook.id,
        service: plan.runbook.service,
        severity,
        ...(plan.escalation.chain ? { chain: plan.escalation.chain } : {}),
        levels: plan.escalation.levels,
        notify: plan.notify,
        owners: plan.runbook.owners,
      });
    } catch (e) {
      state.oncall = planOnlyOnCall(plan);
      record(
        'notification_failed',
        `on-call lookup failed, paging the runbook's own contacts: ${errorMessage(e)}`,
        {},
      );
    }
    state.escalation.pages = 1;
    notify('opened', recipients('opened', levelPeople(0)));
    clock = escalationClock();
    if (alert.status === 'resolved') {
      // Started by a resolved delivery (e.g. after a restart of the intake): nothing to do.
      state.alertResolvedAt = now();
      record('alert_resolved', 'alert already resolved at start', {});
      outcome = 'cancelled';
    } else {
      outcome = await runMain(mainFlow);
    }
  }

  if (outcome === 'suspend') {
    // Long unacknowledged paging: continue in a fresh history, with the clock where it was.
    suspending = true;
    await clock;
    for (let i = 0; i < 100 && pendingNotifications.size > 0; i++)
      await Promise.all([...pendingNotifications]);
    await condition(allHandlersFinished);
    if (closeRequest === undefined && state.alertResolvedAt === undefined) {
      const runs = (input.resume?.runs ?? 0) + 1;
      return continueAsNew<typeof incidentWorkflow>({
        ...input,
        resume: {
          state,
          humanDeadline: new Date(humanDeadline ?? Date.now()).toISOString(),
          remediationStarted,
          runs,
        },
      });
    }
    // A decision raced in while suspending: finish here instead.
    outcome = closeRequest?.outcome ?? 'resolved';
  }
  let final: IncidentStatus = outcome;
  if (closeRequest) final = closeRequest.outcome;

  for (const s of state.steps) {
    if (['pending', 'running', 'awaiting_approval'].includes(s.status)) {
      s.status = 'cancelled';
      s.endedAt ??= now();
    }
  }
  state.pendingApprovals = [];
  setStatus(final);
  finished = true;
  state.escalation.stopped = true;
  state.endedAt = now();
  await clock;
  if (final === 'resolved') notify('resolved', recipients('resolved', levelPeople(state.escalation.level)));

  try {
    const to = recipients('report', plan.runbook.owners);
    const report = await CancellationScope.nonCancellable(() =>
      writeReport({ state, to, ...(input.links ? { links: input.links } : {}) }),
    );
    state.report = { markdownPath: report.markdownPath, htmlPath: report.htmlPath };
    record(
      'report_written',
      `report written to ${report.markdownPath}${report.error ? ` (${report.error})` : ''}`,
      {
        data: { emailed: report.emailed },
      },
    );
  } catch (e) {
    record('report_written', `report could not be written: ${errorMessage(e)}`, { data: { ok: false } });
  }
  // Every page and mail in flight finishes (and is recorded) before the workflow completes.
  for (let i = 0; i < 100 && pendingNotifications.size > 0; i++) await Promise.all([...pendingNotifications]);
  await condition(allHandlersFinished);
  return state;
}
