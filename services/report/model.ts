/**
 * The report's content, computed once from an {@link IncidentState}: the facts every section of
 * the layout (layout.ts) is drawn from. Every string in the model has already passed through the
 * masker; renderers only escape. Each concept is built by its own module, composed here.
 */
import type { IncidentState, StepRecord, TimelineKind } from '../../contracts/incident';
import { alertDeliveries, alertFacts } from './alert';
import { modelContext } from './context';
import { escalationRows } from './escalations';
import { followUps } from './followups';
import type { Masker } from './mask';
import { notificationRows } from './notifications';
import { modeCounts, stepRows } from './steps';
import { incidentTimes, reportLinks, runbookFacts } from './summary';
import { timelineRows } from './timeline';

/** Where links in the report point. */
export interface ReportLinks {
  /** Base of the intake's incident pages; the incident's page is `<base>/<incident id>`. */
  incidentBaseUrl?: string;
  /** Temporal Web UI base URL; the workflow's page is `<base>/namespaces/<ns>/workflows/<id>`. */
  temporalUiBaseUrl?: string;
  /** Temporal namespace for the UI link (default `default`). */
  temporalNamespace?: string;
}

/** How a report is rendered: what to mask, where links point, how much output to show. */
export interface ReportOptions {
  /** Secret values to mask (`***`) wherever they occur. */
  secrets?: readonly string[];
  /** An extra masker (e.g. the secrets resolver's); applied before {@link secrets}. */
  masker?: Masker;
  links?: ReportLinks;
  /** Characters kept per output stream in the step details (default 2000). */
  excerptChars?: number;
  /** Characters of output shown inline in the timeline table (default 160). */
  inlineChars?: number;
}

/** A labelled link of the report's alert section. */
export interface ReportLink {
  label: string;
  url: string;
}

/** One timeline entry as the report shows it. */
export interface TimelineRow {
  n: number;
  at: string;
  offset: string;
  kind: TimelineKind;
  event: string;
  actor: string;
  step: string;
  message: string;
  details: string[];
}

/** One host's result of a step, its output cut to an excerpt. */
export interface HostRow {
  host: string;
  ok: boolean;
  exitCode: string;
  duration: string;
  stdout: { text: string; omitted: number };
  stderr: { text: string; omitted: number };
  truncated: boolean;
  replayed: boolean;
  error?: string;
}

/** One step: what it ran, who decided it, how it ended. */
export interface StepRow {
  id: string;
  phase: StepRecord['phase'];
  title: string;
  action?: string;
  target?: string;
  command?: string;
  status: StepRecord['status'];
  mode: 'automated' | 'human';
  decision?: string;
  condition?: string;
  startedAt?: string;
  endedAt?: string;
  duration?: string;
  attempts?: number;
  hosts: HostRow[];
  error?: string;
}

/** One notification to one person, and whether it was delivered. */
export interface DeliveryRow {
  at: string;
  kind: string;
  to: string;
  email: string;
  ok: boolean;
  error?: string;
}

/** One page of an escalation level. */
export interface EscalationRow {
  at: string;
  level: string;
  levelName: string;
  people: string;
  message: string;
}

/** Everything the report says, masked, in the order its sections need it. */
export interface ReportModel {
  incidentId: string;
  title: string;
  runbook: IncidentState['runbook'];
  severity: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  duration?: string;
  acknowledged?: string;
  mtta?: { value: string; basis: string };
  mttr?: string;
  alert: {
    status: string;
    source: string;
    fingerprint: string;
    startsAt: string;
    endsAt?: string;
    generatorURL: string;
    receiver?: string;
    groupKey?: string;
    labels: [string, string][];
    annotations: [string, string][];
  };
  alertCount: number;
  alertResolvedAt?: string;
  alertDeliveries: { at: string; event: string; message: string }[];
  links: ReportLink[];
  timeline: TimelineRow[];
  steps: StepRow[];
  automatedCount: number;
  humanCount: number;
  failed: StepRow[];
  followUps: string[];
  notifications: DeliveryRow[];
  escalations: EscalationRow[];
  /** Generated-at is the state's last update, never the wall clock, so output is reproducible. */
  generatedAt: string;
}

/** Builds the report model; throws a non-retryable failure when the state lacks the essentials. */
export function buildReportModel(state: IncidentState, opts: ReportOptions = {}): ReportModel {
  const ctx = modelContext(state, opts);
  const m = ctx.mask;
  const steps = stepRows(ctx);
  const notifications = notificationRows(ctx);
  const model: ReportModel = {
    incidentId: m(state.id),
    title: m(state.runbook.title || state.runbook.id),
    runbook: runbookFacts(ctx),
    severity: m(state.severity),
    status: m(state.status),
    startedAt: m(state.startedAt),
    alert: alertFacts(ctx),
    alertCount: state.alertCount ?? 1,
    alertDeliveries: alertDeliveries(ctx),
    links: reportLinks(ctx, opts.links),
    timeline: timelineRows(ctx),
    steps,
    ...modeCounts(steps),
    failed: steps.filter((s) => s.status === 'failed'),
    followUps: followUps(ctx, steps, notifications),
    notifications,
    escalations: escalationRows(ctx),
    generatedAt: m(state.updatedAt || state.endedAt || state.startedAt),
    ...incidentTimes(ctx),
  };
  if (state.alertResolvedAt) model.alertResolvedAt = m(state.alertResolvedAt);
  return model;
}
