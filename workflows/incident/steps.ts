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
import type { CommandStep, ExecutableStep, ExpressionContext, Plan, StepOutcome } from '../../contracts/plan';
import { evaluateCondition, evaluateSuccess, renderTemplate } from '../lang';
import { errorMessage, workerLost } from './failures';
import { recoverOutcome } from './recovery';
import type { IncidentStore, StepView } from './store';

/** Heartbeat timeout for commands: a dead worker is noticed this fast, not after the step timeout. */
export const COMMAND_HEARTBEAT_MS = 10_000;

/** The activity stub for one command step: timeouts cover the whole fan-out, retries follow idempotency. */
export function proxyFor(
  step: CommandStep,
  hostCount: number,
  concurrency: number,
): IncidentActivities['runCommand'] {
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
}

export class StepRunner {
  constructor(
    private readonly plan: Plan,
    private readonly store: IncidentStore,
    /** What expressions see; each finished command step adds its outcome. */
    private readonly ctx: ExpressionContext,
  ) {}

  /** Evaluates a step's `when:` guard (none: run); a false or failing guard skips the step. */
  checkWhen(rec: StepView, when: string | undefined): boolean {
    if (when === undefined) return true;
    let result = false;
    let error: string | undefined;
    try {
      result = evaluateCondition(when, this.ctx);
    } catch (e) {
      error = errorMessage(e);
    }
    this.store.conditionEvaluated(rec, when, result, error);
    return result;
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
      const { run, request } = this.prepare(rec, step);
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
      const hosts = target.hosts.map((t) => renderTemplate(t, this.ctx).trim()).filter((h) => h !== '');
      if (target.group) hosts.push(`group:${target.group}`);
      if (hosts.length === 0 && target.transport === 'local') hosts.push('local');
      return { command: renderTemplate(step.command, this.ctx), target: step.target, hosts };
    } catch {
      return undefined;
    }
  }

  /** Renders the command, its hosts and environment; throws when the plan or a template is broken. */
  private prepare(
    rec: StepView,
    step: CommandStep,
  ): { run: IncidentActivities['runCommand']; request: RunCommandInput } {
    const { ctx, store } = this;
    const target = this.plan.targets[step.target];
    if (!target)
      throw ApplicationFailure.nonRetryable(
        `step ${step.id} names unknown target "${step.target}"`,
        FAILURE_TYPES.unknownTarget,
      );
    const hosts = target.hosts.map((t) => renderTemplate(t, ctx).trim()).filter((h) => h !== '');
    const command = renderTemplate(step.command, ctx);
    store.commandRendered(rec, command, step.target);
    const env: Record<string, string> = {};
    for (const [k, t] of Object.entries(step.env)) env[k] = renderTemplate(t, ctx);
    const run = proxyFor(step, hosts.length, target.concurrency);
    const request: RunCommandInput = {
      incidentId: store.state.id,
      stepId: rec.id,
      target: { ...target, hosts },
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
    const first = hosts[0];
    const outcome: StepOutcome = {
      ok,
      exitCode: first?.exitCode ?? null,
      stdout: first?.stdout ?? '',
      stderr: first?.stderr ?? '',
      values: first?.values ?? {},
      hosts: hosts.map((h) => ({ host: h.host, ok: h.ok, exitCode: h.exitCode, values: h.values })),
    };
    this.ctx.steps[rec.id] = outcome;
    return ok;
  }
}
