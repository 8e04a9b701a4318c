/**
 * The activity interface the incident workflow calls (via `proxyActivities<IncidentActivities>`).
 * Implementations are built by `createActivities(deps)` in activities/index.ts so tests can inject
 * fakes. Pure types: imported by workflow code with `import type`.
 */
import type { AlertInstance } from '../alerts/types';
import type { HostRecord, IncidentState, OnCallSnapshot } from '../incident/types';
import type { ExtractSpec, NotificationKind, Severity, TargetSpec } from '../plan/types';

/** A target with its host templates already rendered by the workflow. */
export interface ResolvedTarget extends Omit<TargetSpec, 'hosts'> {
  hosts: string[];
}

export interface RunCommandInput {
  incidentId: string;
  stepId: string;
  target: ResolvedTarget;
  /** Fully rendered shell command; secrets only as `$FIREBREAK_SECRET_<NAME>` references. */
  command: string;
  secrets: string[];
  sudo: boolean;
  cwd?: string;
  env: Record<string, string>;
  timeoutMs: number;
  outputCapBytes: number;
  extract: ExtractSpec[];
  /**
   * Present for non-idempotent steps: checked and recorded on the target before the command runs,
   * so a re-dispatched command is not run twice (its first result is returned, `replayed: true`).
   */
  idempotencyKey?: string;
}

export interface RunCommandResult {
  hosts: HostRecord[];
}

export interface ResolveOnCallInput {
  runbookId: string;
  service: string;
  severity: Severity;
  chain?: string;
  levels: string[][];
  notify: { on: NotificationKind[]; to: string[] }[];
  owners: string[];
}

export interface NotificationInput {
  kind: NotificationKind;
  incidentId: string;
  /** Person ids (resolved against the snapshot's people). */
  to: string[];
  /** A compact view of the incident for the templates (the activity never reads history). */
  state: IncidentState;
  /** For approval_needed: the step, and when the request expires (links are signed per recipient). */
  approval?: { stepId: string; expiresAt: string };
  /** For escalated: the level paged. */
  escalation?: { level: number; levelName: string };
  links?: { incidentBaseUrl?: string; temporalUiBaseUrl?: string };
}

export interface NotificationResult {
  /** Per recipient: delivered (accepted by SMTP / written to the outbox) or failed with a reason. */
  deliveries: { to: string; email: string; ok: boolean; messageId?: string; error?: string }[];
}

export interface WriteReportInput {
  state: IncidentState;
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

export interface IncidentActivities {
  resolveOnCall(input: ResolveOnCallInput): Promise<OnCallSnapshot>;
  runCommand(input: RunCommandInput): Promise<RunCommandResult>;
  sendNotification(input: NotificationInput): Promise<NotificationResult>;
  writeReport(input: WriteReportInput): Promise<WriteReportResult>;
}

export type { AlertInstance };
