/**
 * What a plan's expressions see at the start of an incident. One function for the workflow and
 * for `firebreak plan`'s dry run, so the dry run renders commands exactly as the incident will.
 * Pure: imported by workflow code.
 */
import type { AlertInstance } from '../../contracts/alert';
import type { ExpressionContext, Plan, Severity } from '../../contracts/plan';

/**
 * The workflow id of an alert's incidents: one per runbook and alert fingerprint. At most one
 * incident runs under it at a time (start-or-join dedups on it, across intakes), and each new
 * firing after the last incident closed starts a new run under it. Incidents started before ids
 * carried an opening time used it as their incident id too.
 */
export function incidentWorkflowId(runbookId: string, fingerprint: string): string {
  return `incident-${runbookId}-${fingerprint}`;
}

/** The opening-time suffix of an incident id: UTC to the millisecond, e.g. `20261121T100001.123Z`. */
const OPENED_SUFFIX = /-(\d{8}T\d{6}\.\d{3}Z)$/u;

/**
 * The id of one incident: its workflow id plus when the delivery that opened it was received
 * (`incident-<runbook>-<fingerprint>-20261121T100001.123Z`), so a recurrence of the same alert
 * after the last incident closed gets an id of its own. Chosen by the intake that starts the run.
 */
export function incidentId(workflowId: string, openedAtMs: number): string {
  const iso = new Date(openedAtMs).toISOString(); // 2026-11-21T10:00:01.123Z
  return `${workflowId}-${iso.replace(/[-:]/gu, '')}`;
}

/** The workflow id an incident id runs under (an id without an opening time is its own workflow id). */
export function workflowIdOfIncident(id: string): string {
  return id.replace(OPENED_SUFFIX, '');
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
