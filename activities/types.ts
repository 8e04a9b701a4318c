/**
 * The activity interface the incident workflow calls (via `proxyActivities<IncidentActivities>`).
 * Implementations are built by `createActivities(deps)` in activities/index.ts so tests can inject
 * fakes. Pure types: imported by workflow code with `import type`. The data the activities share
 * with transport/, notify/ and oncall/ lives in contracts/ and is re-exported here.
 */
import type { AlertInstance } from '../contracts/alert';
import type { RunCommandInput, RunCommandResult } from '../contracts/commands';
import type { NotificationInput, NotificationResult } from '../contracts/notifications';
import type { ResolveOnCallInput } from '../contracts/oncall';
import type { IncidentState, OnCallSnapshot } from '../contracts/incident';

export type { ResolvedTarget, RunCommandInput, RunCommandResult } from '../contracts/commands';
export type { NotificationInput, NotificationResult } from '../contracts/notifications';
export type { ResolveOnCallInput } from '../contracts/oncall';

export interface WriteReportInput {
  /**
   * The final state. Workflows since the `report-reads-state` patch leave it out (it is the
   * largest payload an incident's history would carry): the activity queries the incident for it.
   */
  state?: IncidentState;
  /** The incident (workflow id) whose state the activity reads when `state` is absent. */
  incidentId?: string;
  /** Recipients of the report mail (person ids). */
  to: string[];
  links?: { incidentBaseUrl?: string; temporalUiBaseUrl?: string };
}

export interface WriteReportResult {
  markdownPath: string;
  htmlPath: string;
  emailed: boolean;
  error?: string;
}

/**
 * The machine a worker runs on, as `pinLocalHost` reports it: an incident's `transport: local`
 * steps all run there, through `taskQueue`, which only that machine's workers poll.
 */
export interface LocalHost {
  hostId: string;
  /** Absent when the worker polls no per-host queue (tests): local steps stay on the incident's queue. */
  taskQueue?: string;
}

export interface IncidentActivities {
  /** Which machine answers: the first local step of an incident pins all its local steps there. */
  pinLocalHost(): Promise<LocalHost>;
  resolveOnCall(input: ResolveOnCallInput): Promise<OnCallSnapshot>;
  runCommand(input: RunCommandInput): Promise<RunCommandResult>;
  sendNotification(input: NotificationInput): Promise<NotificationResult>;
  writeReport(input: WriteReportInput): Promise<WriteReportResult>;
}

export type { AlertInstance };
