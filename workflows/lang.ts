/**
 * The workflow's one seam to the runbook language: CEL conditions and templates (expressions/),
 * target rendering (plan/targets.ts) and severity mapping (plan/match.ts). Both are pure and sandbox-safe; keeping the imports here means
 * the interpreter names a single module for everything it evaluates.
 */
import type { AlertInstance } from '../contracts/alert';
import { evaluateCondition, evaluateSuccess, renderTemplate } from '../language/expressions';
import type { HostResult } from '../language/expressions';
import { effectiveSeverity as severityFor } from '../language/plan/match';
import { renderTarget } from '../language/plan/targets';
import type { Plan, Severity } from '../contracts/plan';

export { evaluateCondition, evaluateSuccess, renderTarget, renderTemplate };
export type HostView = HostResult;

/** The incident's severity: the trigger's severity label mapped, else the runbook's own. */
export function effectiveSeverity(plan: Plan, alert: AlertInstance): Severity {
  return severityFor(plan, alert.labels);
}
