/** The incident summary rows of `GET /v1/incidents` and of the update routes' answers. */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { IncidentState } from '../../contracts/incident';
import { incidentIdOf } from './incident-runs';

/** One row of GET /v1/incidents. */
export interface IncidentSummary {
  id: string;
  runbook: string;
  title: string;
  severity: string;
  status: string;
  fingerprint: string;
  started: string;
  updated: string;
  pendingApprovals: { stepId: string; expiresAt: string; approvers: string[] }[];
  alertCount?: number;
  acknowledgedBy?: string;
}

export function summarize(s: IncidentState): IncidentSummary {
  return {
    id: s.id,
    runbook: s.runbook.id,
    title: s.runbook.title,
    severity: s.severity,
    status: s.status,
    fingerprint: s.alert.fingerprint,
    started: s.startedAt,
    updated: s.updatedAt,
    pendingApprovals: s.pendingApprovals.map((p) => ({
      stepId: p.stepId,
      expiresAt: p.expiresAt,
      approvers: p.approvers,
    })),
    alertCount: s.alertCount,
    ...(s.acknowledged ? { acknowledgedBy: s.acknowledged.by.person } : {}),
  };
}

/** What visibility alone says of an incident whose state cannot be queried (closed long ago, or busy). */
export function fromVisibility(w: WorkflowExecutionInfo): IncidentSummary {
  return {
    id: incidentIdOf(w),
    runbook: '',
    title: '',
    severity: '',
    status: w.status.name.toLowerCase(),
    fingerprint: '',
    started: w.startTime.toISOString(),
    updated: (w.closeTime ?? w.startTime).toISOString(),
    pendingApprovals: [],
  };
}
