/**
 * What the console reads from Temporal: an incident's state (the workflow's query while it runs,
 * its result once it has ended — immutable, so cached), the list of incidents by their incident
 * ids (not workflow ids: see incident-lookup.ts), and cheap change markers for live updates (run id, status and history
 * length from DescribeWorkflowExecution: no worker involved).
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { IncidentState } from '../../../contracts/incident';
import { TERMINAL_STATUSES } from '../../../contracts/incident';
import { workflowIdOfIncident } from '../../../language/plan/context';
import { findIncident, stateOf } from '../incident-lookup';
import type { IncidentRef } from '../incident-lookup';
import { incidentIdOf, runOf } from '../incident-runs';
import { mapLimit } from '../map-limit';
import { listExecutions } from '../incident-list';

/** One incident as the list shows it. */
export interface IncidentRow {
  id: string;
  open: boolean;
  status: string;
  severity: string;
  runbook: string;
  title: string;
  service: string;
  alertname: string;
  summary: string;
  labels: Record<string, string>;
  startedAt: string;
  updatedAt: string;
  pendingApprovals: number;
  acknowledgedBy?: string;
}

const CACHE_LIMIT = 500;
const LIST_LIMIT = 200;

function rowOf(s: IncidentState, open: boolean): IncidentRow {
  return {
    id: s.id,
    open,
    status: s.status,
    severity: s.severity,
    runbook: s.runbook.id,
    title: s.runbook.title,
    service: s.alert.labels.service ?? s.runbook.service,
    alertname: s.alert.labels.alertname ?? '',
    summary: s.alert.annotations.summary ?? s.alert.annotations.description ?? '',
    labels: s.alert.labels,
    startedAt: s.startedAt,
    updatedAt: s.updatedAt,
    pendingApprovals: s.pendingApprovals.length,
    ...(s.acknowledged ? { acknowledgedBy: s.acknowledged.by.person } : {}),
  };
}

/** What visibility alone says of an incident whose state cannot be read (failed, terminated, busy). */
function bareRow(w: WorkflowExecutionInfo): IncidentRow {
  return {
    id: incidentIdOf(w),
    open: w.status.name === 'RUNNING',
    status: w.status.name.toLowerCase(),
    severity: '',
    runbook: '',
    title: '',
    service: '',
    alertname: '',
    summary: '',
    labels: {},
    startedAt: w.startTime.toISOString(),
    updatedAt: (w.closeTime ?? w.startTime).toISOString(),
    pendingApprovals: 0,
  };
}

/** Reads incidents for the console (and approval links), caching final states of ended runs. */
export class IncidentReader {
  /** Final states of ended runs by run id (they never change). */
  private readonly finals = new Map<string, IncidentState>();

  constructor(private readonly client: Client) {}

  /**
   * The incident's state: live while it runs, final once it has ended. Incident ids are not
   * workflow ids (one alert's incidents run in turn under one workflow id): the run is found first.
   * Throws WorkflowNotFoundError.
   */
  async state(id: string): Promise<IncidentState> {
    const ref = await findIncident(this.client, id);
    if (ref.running) return stateOf(this.client, ref);
    return this.final(ref);
  }

  private async final(ref: IncidentRef): Promise<IncidentState> {
    const cached = this.finals.get(ref.runId);
    if (cached) return cached;
    const state = await stateOf(this.client, ref);
    // A closed run never changes: its result (or, failed or terminated, its last queried state) is final.
    if (this.finals.size >= CACHE_LIMIT) this.finals.delete(this.finals.keys().next().value as string);
    this.finals.set(ref.runId, state);
    return state;
  }

  /** Up to 200 incidents, newest first as visibility lists them (the caller sorts and filters). */
  async rows(): Promise<IncidentRow[]> {
    const execs = await listExecutions(this.client, { limit: LIST_LIMIT });
    return mapLimit(execs, 8, async (w) => {
      const open = w.status.name === 'RUNNING';
      try {
        const ref = { ...runOf(w), running: open };
        const s = open ? await stateOf(this.client, ref) : await this.final(ref);
        return rowOf(s, open && !TERMINAL_STATUSES.includes(s.status));
      } catch {
        return bareRow(w);
      }
    });
  }

  /** A marker that changes whenever what `topic` shows may have changed (`list`, `incident:<id>`). */
  async version(topic: string): Promise<string> {
    if (topic.startsWith('incident:')) return this.incidentMark(topic.slice('incident:'.length));
    const execs = await listExecutions(this.client, { limit: LIST_LIMIT });
    const marks = await mapLimit(execs, 8, async (w) =>
      w.status.name === 'RUNNING' ? this.runMark(w.workflowId) : `${w.workflowId}:${w.runId}:closed`,
    );
    return marks.join('|');
  }

  /** The current run under a workflow id: which incident, which run, its status and history length. */
  private async runMark(workflowId: string): Promise<string> {
    try {
      const d = await this.client.workflow.getHandle(workflowId).describe();
      return `${incidentIdOf(d)}:${d.runId}:${d.status.name}:${d.historyLength}`;
    } catch {
      return `${workflowId}:unknown`;
    }
  }

  /** An incident's mark: its workflow's current run while that is the incident, else its own (ended) run. */
  private async incidentMark(id: string): Promise<string> {
    const current = await this.runMark(workflowIdOfIncident(id));
    if (current.startsWith(`${id}:`)) return current;
    try {
      const ref = await findIncident(this.client, id);
      return `${id}:${ref.runId}:${ref.running ? 'running' : 'closed'}`;
    } catch {
      return `${id}:unknown`;
    }
  }
}
