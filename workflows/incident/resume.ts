/**
 * A run continued while a remediation waited for approval: what the earlier run left in the state
 * becomes what this one needs — the step outcomes expressions read, the decision that may have
 * raced in while the earlier run handed over, and how many remediations already succeeded.
 */
import type { IncidentState } from '../../contracts/incident';
import type { StepOutcome } from '../../contracts/plan';
import type { IncidentControl } from './control';
import { outcomeOf } from './steps';
import type { IncidentStore, StepView } from './store';

/** `steps.<id>` for every step that ran to a result, as the earlier run's expressions saw it. */
export function outcomesFromState(state: IncidentState): Record<string, StepOutcome> {
  const out: Record<string, StepOutcome> = {};
  for (const s of state.steps) {
    // A wait succeeds with no hosts and was never an outcome; a step that could not run failed.
    if ((s.status === 'succeeded' && s.hosts.length > 0) || s.status === 'failed') {
      out[s.id] = outcomeOf(s.hosts);
    }
  }
  return out;
}

/** Remediations that succeeded in earlier runs. */
export function resumedSuccesses(store: IncidentStore): number {
  return store.state.steps.filter((s) => s.phase === 'remediation' && s.status === 'succeeded').length;
}

/** The record of the remediation the earlier run waited on, with any decision already taken. */
export function resumedApproval(store: IncidentStore, control: IncidentControl, stepId: string): StepView {
  const rec = store.state.steps.find((s) => s.id === stepId && s.phase === 'remediation');
  if (!rec) throw new Error(`continued run: no record of remediation ${stepId} in the state`);
  const d = rec.decidedBy;
  if (d && !control.decisions.has(stepId)) {
    control.decisions.set(stepId, {
      approved: d.decision === 'approved',
      actor: { person: d.person, channel: d.channel },
      at: d.at,
      ...(d.comment ? { comment: d.comment } : {}),
    });
  }
  return rec;
}
