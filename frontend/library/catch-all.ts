/**
 * The library's catch-all route: one runbook, named by configuration (`FIREBREAK_CATCH_ALL` /
 * `catchAllRunbook:`), that takes the alerts no other runbook matches, so an alert nobody wrote a
 * runbook for still pages the on-call chain instead of vanishing. It never matches directly; its
 * own `trigger.match` only narrows which unmatched alerts it takes. Because it runs for alerts
 * nobody has looked at, it may only notify: no diagnostics, no remediations, and a resolution
 * that waits for the alert or a human (`alert_resolved` or `human`).
 */
import type { AlertInstance } from '../../contracts/alert';
import type { Plan } from '../../contracts/plan';
import { matchesTrigger } from '../../language/plan/match';

/** Why `id` cannot be the catch-all of `plans`; empty when it can. Each names the file and the setting. */
export function catchAllProblems(
  plans: readonly Plan[],
  id: string,
  setting = 'FIREBREAK_CATCH_ALL',
): string[] {
  const plan = plans.find((p) => p.runbook.id === id);
  if (!plan) return [`${setting}: no runbook with id "${id}" in the library`];
  const at = `${plan.runbook.file}: the catch-all runbook ${id} (${setting})`;
  const problems: string[] = [];
  const diagnostics = plan.diagnostics.reduce((n, stage) => n + stage.steps.length, 0);
  if (diagnostics > 0)
    problems.push(`${at} has ${diagnostics} diagnostic step(s); a catch-all only notifies — remove them`);
  if (plan.remediations.length > 0)
    problems.push(
      `${at} has ${plan.remediations.length} remediation(s); a catch-all only notifies — remove them`,
    );
  if (plan.resolution.mode === 'verify')
    problems.push(
      `${at} resolves by verify, which needs a remediation; use resolution.mode alert_resolved or human`,
    );
  return problems;
}

/** A library's plans split into those matched directly and the catch-all (when one is named and valid). */
export interface RoutedPlans {
  direct: Plan[];
  catchAll?: Plan;
}

/** Splits `plans` by `catchAllId` (unset: no catch-all). Throws when the named runbook is not fit. */
export function splitCatchAll(plans: readonly Plan[], catchAllId: string | undefined): RoutedPlans {
  if (catchAllId === undefined) return { direct: [...plans] };
  const problems = catchAllProblems(plans, catchAllId);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return {
    direct: plans.filter((p) => p.runbook.id !== catchAllId),
    catchAll: plans.find((p) => p.runbook.id === catchAllId),
  };
}

/** The catch-all plan for an alert the direct plans did not match, if its own trigger takes it. */
export function catchAllFor(routed: RoutedPlans, alert: Pick<AlertInstance, 'labels'>): Plan | undefined {
  const c = routed.catchAll;
  return c && matchesTrigger(c.trigger, alert.labels) ? c : undefined;
}
