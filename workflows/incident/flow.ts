/**
 * The main flow: diagnostics → approvals → remediations → verify → resolution, run inside the main
 * cancellation scope so a resolved alert or a human close can stop it mid-step.
 */
import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import { hasChange } from './versions';
import type { IncidentStatus } from '../../contracts/incident';
import type { DiagnosticStep, Plan, RemediationStep } from '../../contracts/plan';
import type { IncidentControl } from './control';
import type { EscalationClock } from './escalation';
import { StopFlow, Suspend, errorMessage, planOnlyOnCall } from './failures';
import type { Notifier } from './notifier';
import type { StepRunner } from './steps';
import { resumedApproval, resumedSuccesses } from './resume';
import type { IncidentStore, StepView } from './store';
import { verify } from './verify';

/** How long an escalated incident waits for a human before it is closed as failed. */
export const HUMAN_WAIT_MS = 7 * 24 * 3_600_000;

/** Patch: a remediation waiting for approval continues-as-new when history grows (many deliveries). */
export const APPROVAL_CONTINUE_PATCH = 'continue-as-new-awaiting-approval';

export class MainFlow {
  constructor(
    private readonly plan: Plan,
    private readonly store: IncidentStore,
    private readonly control: IncidentControl,
    private readonly notifier: Notifier,
    private readonly clock: EscalationClock,
    private readonly steps: StepRunner,
  ) {}

  /** Runs `flow` in the main cancellation scope and maps how it ended to a final status. */
  async runMain(flow: () => Promise<IncidentStatus>): Promise<IncidentStatus | 'suspend'> {
    const { control } = this;
    const scope = new CancellationScope();
    control.mainScope = scope;
    try {
      return await scope.run(flow);
    } catch (e) {
      if (e instanceof Suspend) return 'suspend';
      if (!isCancellation(e)) {
        this.store.record('closed', `incident failed: ${errorMessage(e)}`, {});
        return 'failed';
      }
      return control.cancelReason === 'closed' && control.closeRequest
        ? control.closeRequest.outcome
        : 'cancelled';
    } finally {
      control.mainScope = undefined;
    }
  }

  /**
   * The whole plan, start to resolution; returns the final status. `resumeAt`: a continued run
   * that picks up at the remediation waiting for approval (everything before it is in the state).
   */
  async run(resumeAt?: string): Promise<IncidentStatus> {
    const { plan, store, clock } = this;
    try {
      if (resumeAt === undefined) await this.diagnose();
      const succeeded = await this.remediate(resumeAt);
      switch (plan.resolution.mode) {
        case 'verify':
          if (succeeded > 0) return 'resolved';
          clock.escalate('no remediation ran; a human has to take over');
          return await this.awaitHuman();
        case 'alert_resolved': {
          if (!store.state.alertResolvedAt) {
            const ok = await condition(
              () => store.state.alertResolvedAt !== undefined,
              plan.resolution.timeoutMs,
            );
            if (!ok) {
              clock.escalate(
                `alert still firing ${plan.resolution.timeoutMs / 60_000} min after remediation`,
              );
              return await this.awaitHuman();
            }
          }
          return 'resolved';
        }
        case 'human':
          return await this.awaitHuman();
      }
    } catch (e) {
      if (e instanceof StopFlow) {
        if (e.outcome === 'failed') return 'failed';
        store.setStatus('escalated');
        return await this.awaitHuman();
      }
      throw e;
    }
  }

  /** Waits for a human close or the alert resolving (bounded); returns the final status. */
  async awaitHuman(): Promise<IncidentStatus> {
    const { control, store } = this;
    const deadline = (control.humanDeadline ??= Date.now() + HUMAN_WAIT_MS);
    await condition(
      () =>
        control.closeRequest !== undefined ||
        store.state.alertResolvedAt !== undefined ||
        control.historyTooLong(),
      Math.max(1, deadline - Date.now()),
    );
    if (control.closeRequest) return control.closeRequest.outcome;
    if (store.state.alertResolvedAt !== undefined) return 'resolved';
    if (control.historyTooLong()) throw new Suspend();
    store.record('closed', `no human closed the incident within ${HUMAN_WAIT_MS / 3_600_000} h`, {});
    return 'failed';
  }

  private async diagnose(): Promise<void> {
    this.store.setStatus('diagnosing');
    for (const stage of this.plan.diagnostics) {
      if (stage.parallel) {
        const results = await Promise.allSettled(stage.steps.map((d) => this.diagnostic(d)));
        const cancelled = results.find((r) => r.status === 'rejected' && isCancellation(r.reason));
        if (cancelled && cancelled.status === 'rejected') throw cancelled.reason;
        const failed = results.find((r) => r.status === 'rejected');
        if (failed && failed.status === 'rejected') throw failed.reason;
      } else {
        for (const d of stage.steps) await this.diagnostic(d);
      }
    }
  }

  private async diagnostic(d: DiagnosticStep): Promise<void> {
    const rec = this.store.newStep(d.step.id, 'diagnostic', d.step, d.step.title, true);
    const decision = this.steps.checkWhen(rec, d.when, d.onFailure);
    if (decision === 'escalate') {
      this.clock.escalateOnDiagnosticFailure(`diagnostic ${rec.id}: its when: condition failed to evaluate`);
      throw new StopFlow('escalated');
    }
    if (decision !== 'run') return;
    const ok = await this.steps.execute(rec, d.step);
    if (!ok && d.onFailure === 'escalate') {
      this.clock.escalateOnDiagnosticFailure(
        `diagnostic ${rec.id} failed${rec.error ? `: ${rec.error}` : ''}`,
      );
      throw new StopFlow('escalated');
    }
  }

  /** Returns how many remediations ran successfully; throws StopFlow to stop remediating. */
  private async remediate(resumeAt?: string): Promise<number> {
    const { store, control, steps } = this;
    let skipping = resumeAt !== undefined;
    let succeeded = skipping ? resumedSuccesses(store) : 0;
    for (const r of this.plan.remediations) {
      let rec: StepView;
      if (skipping) {
        if (r.id !== resumeAt) continue; // ran (or was skipped) in an earlier run
        skipping = false;
        rec = resumedApproval(store, control, r.id);
        if (!this.approved(r, rec, await this.awaitDecision(r))) continue;
      } else {
        rec = store.newStep(r.id, 'remediation', r.run, r.title, r.approval === 'auto');
        const decision = steps.checkWhen(rec, r.when, r.onFailure);
        if (decision === 'escalate' || decision === 'abort') this.remediationFailed(r, rec);
        if (decision !== 'run') continue;
        if (r.approval === 'required') {
          this.requestApproval(r, rec);
          if (!this.approved(r, rec, await this.awaitDecision(r))) continue;
        }
      }
      control.remediationStarted = true;
      store.setStatus('remediating');
      let ok = await steps.execute(rec, r.run);
      if (ok && r.verify) ok = await verify(store, steps, r.id, r.verify);
      if (ok) {
        succeeded++;
        this.notifier.notifyCurrentLevel('remediation_succeeded');
        continue;
      }
      this.remediationFailed(r, rec);
    }
    return succeeded;
  }

  /**
   * Waits for the decision on `r` until its request expires. While waiting, a history grown long
   * (deliveries keep arriving) continues-as-new: the next run waits on ({@link run} `resumeAt`).
   */
  private async awaitDecision(r: RemediationStep): Promise<boolean> {
    const { control, store } = this;
    const pending = store.state.pendingApprovals.find((p) => p.stepId === r.id);
    const left = pending ? Date.parse(pending.expiresAt) - Date.now() : r.approvalTimeoutMs;
    const canContinue = hasChange(APPROVAL_CONTINUE_PATCH);
    const decided = await condition(
      () => control.decisions.has(r.id) || (canContinue && control.historyTooLong()),
      Math.max(1, left),
    );
    if (canContinue && !control.decisions.has(r.id) && control.historyTooLong()) {
      control.suspendedApproval = r.id;
      throw new Suspend();
    }
    return decided;
  }

  private requestApproval(r: RemediationStep, rec: StepView): void {
    const oc = this.store.state.oncall ?? planOnlyOnCall(this.plan);
    const preview = this.steps.preview(r.run);
    const expiresAt = this.store.requestApproval(rec, oc.approvers, r.approvalTimeoutMs, preview);
    this.notifier.notify('approval_needed', this.notifier.recipients('approval_needed', oc.approvers), {
      approval: { stepId: r.id, expiresAt },
    });
  }

  /** After the wait for a decision: whether `r` may run. An expired request escalates and stops the flow. */
  private approved(r: RemediationStep, rec: StepView, decided: boolean): boolean {
    const decision = this.control.decisions.get(r.id);
    if (!decided || !decision) {
      this.store.approvalExpired(rec, r.approvalTimeoutMs);
      this.clock.escalate(`approval for ${r.id} expired`);
      throw new StopFlow('escalated');
    }
    if (!decision.approved) {
      this.store.rejected(rec);
      return false;
    }
    return true;
  }

  /** Tells the level paged, then goes on, aborts or escalates as the runbook says. */
  private remediationFailed(r: RemediationStep, rec: StepView): void {
    this.notifier.notifyCurrentLevel('remediation_failed');
    if (r.onFailure === 'continue') return;
    if (r.onFailure === 'abort') throw new StopFlow('failed');
    this.clock.escalate(`remediation ${r.id} failed${rec.error ? `: ${rec.error}` : ''}`);
    throw new StopFlow('escalated');
  }
}
