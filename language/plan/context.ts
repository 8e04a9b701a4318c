/**
 * What a plan's expressions see at the start of an incident. One function for the workflow and
 * for `firebreak plan`'s dry run, so the dry run renders commands exactly as the incident will.
 * Pure: imported by workflow code.
 */
import type { AlertInstance } from '../../contracts/alert';
import type { ExpressionContext, Plan, Severity } from '../../contracts/plan';

/** Deterministic incident id: one incident per runbook and alert fingerprint (dedup by workflow id). */
export function incidentWorkflowId(runbookId: string, fingerprint: string): string {
  return `incident-${runbookId}-${fingerprint}`;
}

export function initialContext(
  plan: Plan,
  alert: AlertInstance,
  incidentId: string,
  severity: Severity,
): ExpressionContext {
  return {
    labels: alert.labels,
    annotations: alert.annotations,
    alert: {
      status: alert.status,
      fingerprint: alert.fingerprint,
      startsAt: alert.startsAt,
      generatorURL: alert.generatorURL,
    },
    vars: plan.vars,
    incident: { id: incidentId, severity, runbook: plan.runbook.id, service: plan.runbook.service },
    steps: {},
  };
}
