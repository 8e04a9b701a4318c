/**
 * Step execution: `when:` guards, then one executable step (a durable wait, or a command on every
 * host of its target) into its step record, its outcome kept for later expressions.
 */
import {
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  sleep,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { IncidentActivities, RunCommandInput, RunCommandResult } from '../../activities/types';
import { FAILURE_TYPES } from '../../contracts/failures';
import type { HostRecord } from '../../contracts/incident';
import type { CommandStep, ExecutableStep, ExpressionContext, Plan, StepOutcome } from '../../contracts/plan';
import { evaluateCondition, evaluateSuccess, renderTarget, renderTemplate } from '../lang';
import { errorMessage, failureHosts, workerLost } from './failures';
import type { StepQueue } from './pinning';
import { LocalHostPin } from './pinning';
import { recoverOutcome } from './recovery';
import { hasChange, isCurrentType } from './versions';
import type { IncidentStore, StepView } from './store';

/**
 * A `when:` that fails to evaluate is handled as the step's `on_failure` says (escalate, abort)
 * instead of always skipping the step. Incidents started before replay the old path.
 */
export const WHEN_ERROR_PATCH = 'when-error-follows-on-failure';
/**
 * A step that failed before any host answered (no connection, a refused target) is in `steps`
 * (`ok: false`), so later `when:` conditions read false instead of failing on a missing key.
 */
export const FAILED_STEP_PATCH = 'failed-step-in-context';

/** What a step's `when:` guard decided: run it, skip it, or (it failed to evaluate) escalate or abort. */
export type WhenDecision = 'run' | 'skip' | 'escalate' | 'abort';

/** The step outcome expressions see, from its per-host records. */
export function outcomeOf(hosts: readonly HostRecord[]): StepOutcome {
  const first = hosts[0];
  const allOk = hosts.length > 0 && hosts.every((h) => h.ok);
  return {
    ok: allOk,
    anyOk: hosts.some((h) => h.ok),
    allOk,
    exitCode: first?.exitCode ?? null,
    stdout: first?.stdout ?? '',
    stderr: first?.stderr ?? '',
    values: first?.values ?? {},
    hosts: hosts.map((h) => ({
      host: h.host,
      ok: h.ok,
      exitCode: h.exitCode,
      stdout: h.stdout,
      stderr: h.stderr,
      values: h.values,
    })),
  };
}

/** Heartbeat timeout for commands: a dead worker is noticed this fast, not after the step timeout. */
export const COMMAND_HEARTBEAT_MS = 10_000;

/**
 * Task priority of a run's first command — an incident's first diagnostic, or in a continued run
 * the approved remediation it waited for (1 = first of Temporal's five levels; everything else
 * keeps the default, 3). In an alert storm the activity queue backs up; the first look at a
 * new incident then goes ahead of the follow-up steps of incidents already being looked at.
 * Current workflow type only; servers without the priority-enabled matcher ignore it.
 */
export const FIRST_COMMAND_PRIORITY = 1;

/** The activity proxy for one command step: timeouts cover the whole fan-out, retries follow idempotency. */
export function proxyFor(
  step: CommandStep,
  hostCount: number,
  concurrency: number,
  queue: StepQueue = {},
  first = false,
): IncidentActivities['runCommand'] {
  const rounds = Math.max(1, Math.ceil(hostCount / Math.max(1, concurrency)));
  const options: ActivityOptions = {
    ...(queue.taskQueue ? { taskQueue: queue.taskQueue } : {}),
    ...(first ? { priority: { priorityKey: FIRST_COMMAND_PRIORITY } } : {}),
    ...(queue.scheduleToStartTimeoutMs ? { scheduleToStartTimeout: queue.scheduleToStartTimeoutMs } : {}),
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
}

export class StepRunner {
  private readonly pin: LocalHostPin;
  /** Whether this run scheduled a command yet (its first goes with {@link FIRST_COMMAND_PRIORITY}). */
  private commandScheduled = false;

  constructor(
    private readonly plan: Plan,
    private readonly store: IncidentStore,
    /** What expressions see; each finished command step adds its outcome. */
    private readonly ctx: ExpressionContext,
  ) {
    this.pin = new LocalHostPin(store);
  }

  /** In the current workflow type, a plan with local steps pins its machine at the start (pinning.ts). */
  prefetchLocalHost(): void {
    if (isCurrentType() && Object.values(this.plan.targets).some((t) => t.transport === 'local')) {
      this.pin.prefetch();
    }
  }

  /**
   * Evaluates a step's `when:` guard (none: run); false skips the step. A guard that fails to
   * evaluate is recorded, and handled as `onFailure` says: continue skips, escalate and abort
   * fail the step and tell the caller to stop.
   */
  checkWhen(
    rec: StepView,
    when: string | undefined,
    onFailure: 'continue' | 'escalate' | 'abort',
  ): WhenDecision {
    if (when === undefined) return 'run';
    let result = false;
    let error: string | undefined;
    try {
      result = evaluateCondition(when, this.ctx);
    } catch (e) {
      error = errorMessage(e);
    }
    if (error === undefined || onFailure === 'continue' || !hasChange(WHEN_ERROR_PATCH)) {
      this.store.conditionEvaluated(rec, when, result, error);
      return result ? 'run' : 'skip';
    }
    this.store.conditionEvaluated(rec, when, false, error, true);
    return onFailure;
  }

  /** Runs one executable step into `rec`; returns whether it succeeded. */
  async execute(rec: StepView, step: ExecutableStep): Promise<boolean> {
    const { store } = this;
    store.stepStarted(rec);
    if (step.kind === 'wait') {
      await sleep(step.durationMs);
      store.waited(rec, step.durationMs);
      return true;
    }
    let ok: boolean;
    try {
      const { run, request } = await this.prepare(rec, step);
      store.setAttempts(rec, 1);
      let result: RunCommandResult;
      try {
        result = await run(request);
      } catch (e) {
        if (step.idempotent || !workerLost(e)) throw e;
        result = await recoverOutcome(store, rec, run, request, e);
      }
      ok = this.judge(rec, step, result);
    } catch (e) {
      if (isCancellation(e)) {
        store.stepCancelled(rec);
        throw e;
      }
      store.stepError(rec, errorMessage(e));
      if (!(rec.id in this.ctx.steps) && hasChange(FAILED_STEP_PATCH))
        this.ctx.steps[rec.id] = outcomeOf(failureHosts(e));
      ok = false;
    }
    store.stepFinished(rec, ok);
    return ok;
  }

  /**
   * What `step` would run where if it ran now, for an approval request to show; undefined for a
   * wait, or when the target or a template cannot be rendered yet (the run itself then says why).
   * Hosts of an inventory group are resolved by the worker at run time: they show as `group:<name>`.
   */
  preview(step: ExecutableStep): { command: string; target: string; hosts: string[] } | undefined {
    if (step.kind !== 'command') return undefined;
    const target = this.plan.targets[step.target];
    if (!target) return undefined;
    try {
      // The same rendering the run uses (renderTarget), so approvers see the hosts it will contact.
      const resolved = renderTarget(target, this.ctx);
      const hosts = [...resolved.hosts];
      if (resolved.group) hosts.push(`group:${resolved.group}`);
      if (hosts.length === 0 && target.transport === 'local') hosts.push('local');
      return { command: renderTemplate(step.command, this.ctx), target: step.target, hosts };
    } catch {
      return undefined;
    }
  }

  /**
   * Renders the command, its hosts and environment, and picks the queue it runs through; throws
   * when the plan or a template is broken.
   */
  private async prepare(
    rec: StepView,
    step: CommandStep,
  ): Promise<{ run: IncidentActivities['runCommand']; request: RunCommandInput }> {
    const { ctx, store } = this;
    const target = this.plan.targets[step.target];
    if (!target)
      throw ApplicationFailure.nonRetryable(
        `step ${step.id} names unknown target "${step.target}"`,
        FAILURE_TYPES.unknownTarget,
      );
    const resolved = renderTarget(target, ctx);
    const command = renderTemplate(step.command, ctx);
    store.commandRendered(rec, command, step.target);
    const env: Record<string, string> = {};
    for (const [k, t] of Object.entries(step.env)) env[k] = renderTemplate(t, ctx);
    const first = isCurrentType() && !this.commandScheduled;
    this.commandScheduled = true;
    const run = proxyFor(
      step,
      resolved.hosts.length,
      target.concurrency,
      await this.pin.queueFor(target),
      first,
    );
    const request: RunCommandInput = {
      incidentId: store.state.id,
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
      ...(step.idempotent ? {} : { idempotencyKey: `${store.state.id}/${rec.id}` }),
    };
    return { run, request };
  }

  /** Judges each host by the step's success expression; the step succeeds when every host does. */
  private judge(rec: StepView, step: CommandStep, result: RunCommandResult): boolean {
    const hosts = result.hosts.map((h) => {
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
    this.store.setHosts(rec, hosts);
    const ok = hosts.length > 0 && hosts.every((h) => h.ok);
    if (hosts.length === 0) this.store.stepError(rec, `target ${step.target} resolved to no hosts`);
    this.ctx.steps[rec.id] = outcomeOf(hosts);
    return ok;
  }
}
