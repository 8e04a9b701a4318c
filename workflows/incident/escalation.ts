/**
 * The escalation clock: pages the next on-call level every interval until someone acknowledges.
 * It runs beside the main flow, never inside its cancellation scope, so nothing there can silence
 * it; the main flow can only make it page sooner ({@link EscalationClock.escalate}).
 */
import { condition } from '@temporalio/workflow';
import { hasChange } from './versions';
import type { Plan, Severity } from '../../contracts/plan';
import type { IncidentControl } from './control';
import type { Notifier } from './notifier';
import type { IncidentStore } from './store';

/**
 * Patch: a diagnostic with `on_failure: escalate` pages the next level at once (before it, the
 * status said escalated but the next level heard only when the interval ran out).
 */
export const DIAGNOSTIC_ESCALATES_PATCH = 'diagnostic-failure-pages-now';

export class EscalationClock {
  private readonly planIntervalMs: number;

  constructor(
    private readonly plan: Plan,
    severity: Severity,
    /** When this run started (ms): the first deadline counts from it. */
    private readonly startedMs: number,
    private readonly store: IncidentStore,
    private readonly control: IncidentControl,
    private readonly notifier: Notifier,
  ) {
    this.planIntervalMs = plan.escalation.intervalMs[severity];
  }

  /** The on-call chain's interval for this severity when it sets one (known once on call is resolved). */
  private get intervalMs(): number {
    return this.store.state.oncall?.intervalMs ?? this.planIntervalMs;
  }

  /** Runs until acknowledged, out of levels, finished or suspending. */
  async run(): Promise<void> {
    const { store, control, intervalMs } = this;
    const { escalation } = store.state;
    // Deadlines count from the incident start, so the first page lands exactly one interval after it.
    let deadline = escalation.nextAt ? Date.parse(escalation.nextAt) : this.startedMs + intervalMs;
    const levels = store.state.oncall?.levels.length ?? 0;
    if (escalation.stopped) return;
    for (let round = 0; round < 100_000; round++) {
      if (control.finished || control.suspending || store.state.acknowledged) break;
      store.setNextPage(new Date(deadline).toISOString());
      const wait = Math.max(1, deadline - Date.now());
      const woke = await condition(
        () =>
          control.finished ||
          control.suspending ||
          !!store.state.acknowledged ||
          control.escalateNow !== undefined,
        wait,
      );
      if (control.suspending) return; // nextAt stays: the continued run picks the clock up from there
      if (control.finished || store.state.acknowledged) break;
      const reason =
        woke && control.escalateNow
          ? control.escalateNow.reason
          : `not acknowledged within ${intervalMs / 60_000} min`;
      control.escalateNow = undefined;
      const next = store.state.escalation.level + 1;
      if (next < levels) {
        this.page(next, reason);
      } else if (this.plan.escalation.repeatLast || woke) {
        this.page(Math.max(0, levels - 1), reason);
      } else {
        store.pagingStopped();
        break;
      }
      deadline = Date.now() + intervalMs;
    }
    store.clearNextPage();
  }

  /** Page the next level now (expired approval, failed remediation) and restart the clock. */
  escalate(reason: string): void {
    this.store.setStatus('escalated');
    if (this.store.state.escalation.stopped) {
      // The clock is off (acknowledged, or out of levels): page whoever holds it now, directly.
      this.page(this.store.state.escalation.level, reason);
    } else {
      this.control.escalateNow = { reason };
    }
  }

  /** A diagnostic that must escalate failed: page the next level now (incidents before the patch only changed status). */
  escalateOnDiagnosticFailure(reason: string): void {
    // Before the patch the main flow only set the status once it stopped.
    if (!hasChange(DIAGNOSTIC_ESCALATES_PATCH)) return;
    if (this.store.state.status === 'escalated') return; // a parallel sibling already paged
    this.escalate(reason);
  }

  private page(level: number, reason: string): void {
    const levels = this.store.state.oncall?.levels ?? [];
    const levelName = levels[level]?.name ?? `level-${level + 1}`;
    this.store.paged(level, levelName, reason);
    this.notifier.notify(
      'escalated',
      this.notifier.recipients('escalated', this.notifier.levelPeople(level)),
      {
        escalation: { level, levelName, reason },
      },
    );
  }
}
