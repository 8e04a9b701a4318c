/**
 * The report's content, computed once from an {@link IncidentState} and shared by the Markdown and
 * HTML renderers so both always say the same thing. Every string in the model has already passed
 * through the masker; renderers only escape.
 */
import type { Actor, IncidentState, StepRecord, TimelineEntry, TimelineKind } from '../incident/types';
import { invalidReportState } from './errors';
import { excerpt, formatDuration, formatOffset, msBetween, oneLine } from './format';
import type { Masker } from './mask';
import { combineMaskers, createMasker } from './mask';

/** Where links in the report point. */
export interface ReportLinks {
  /** Base of the intake's incident pages; the incident's page is `<base>/<incident id>`. */
  incidentBaseUrl?: string;
  /** Temporal Web UI base URL; the workflow's page is `<base>/namespaces/<ns>/workflows/<id>`. */
  temporalUiBaseUrl?: string;
  /** Temporal namespace for the UI link (default `default`). */
  temporalNamespace?: string;
}

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

export interface ReportLink {
  label: string;
  url: string;
}

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

export interface DeliveryRow {
  at: string;
  kind: string;
  to: string;
  email: string;
  ok: boolean;
  error?: string;
}

export interface EscalationRow {
  at: string;
  level: string;
  levelName: string;
  people: string;
  message: string;
}

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

const EVENT_LABELS: Record<TimelineKind, string> = {
  alert_received: 'Alert received',
  alert_repeated: 'Alert repeated',
  alert_resolved: 'Alert resolved',
  status_changed: 'Status changed',
  step_started: 'Step started',
  step_finished: 'Step finished',
  step_skipped: 'Step skipped',
  condition_evaluated: 'Condition evaluated',
  approval_requested: 'Approval requested',
  approved: 'Approved',
  rejected: 'Rejected',
  approval_expired: 'Approval expired',
  approval_refused: 'Approval refused',
  acknowledged: 'Acknowledged',
  note: 'Note',
  closed: 'Closed',
  notification_sent: 'Notification sent',
  notification_failed: 'Notification failed',
  escalated: 'Escalated',
  report_written: 'Report written',
};

/** Human-readable label of a timeline kind (unknown kinds pass through). */
export function eventLabel(kind: string): string {
  return (EVENT_LABELS as Record<string, string>)[kind] ?? kind;
}

const HUMAN_DECISION_KINDS: ReadonlySet<string> = new Set(['acknowledged', 'approved', 'rejected', 'closed']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Compact text of a data value: primitives as is, arrays of primitives comma-joined, others as JSON. */
function dataText(v: unknown): string {
  const s = str(v);
  if (s !== undefined) return s;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v) && v.every((x) => str(x) !== undefined)) return v.map((x) => str(x)).join(', ');
  return JSON.stringify(v) ?? '';
}

function sortedEntries(record: Record<string, string> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function joinUrl(base: string, ...segments: string[]): string {
  return [base.replace(/\/+$/u, ''), ...segments.map((s) => encodeURIComponent(s))].join('/');
}

/** Builds the report model; throws a non-retryable failure when the state lacks the essentials. */
export function buildReportModel(state: IncidentState, opts: ReportOptions = {}): ReportModel {
  if (!state || typeof state !== 'object') throw invalidReportState('state is not an object');
  if (!state.id) throw invalidReportState('state has no incident id');
  if (!state.runbook?.id) throw invalidReportState(`incident ${state.id} has no runbook`);
  if (!state.startedAt) throw invalidReportState(`incident ${state.id} has no start time`);

  const mask = combineMaskers(opts.masker, createMasker(opts.secrets ?? []));
  const m = (s: string | undefined): string => (s === undefined ? '' : mask(s));
  const excerptChars = opts.excerptChars ?? 2000;
  const inlineChars = opts.inlineChars ?? 160;
  const people = state.oncall?.people ?? {};

  const actorText = (actor: Actor | undefined): string => {
    if (!actor) return '';
    const person = people[actor.person];
    const who =
      person && person.name && person.name !== actor.person
        ? `${person.name} (${actor.person})`
        : actor.person;
    return m(`${who} via ${actor.channel}`);
  };
  const personText = (id: string): string => {
    const person = people[id];
    return m(person && person.name && person.name !== id ? `${person.name} (${id})` : id);
  };

  const stepsById = new Map<string, StepRecord>();
  for (const step of state.steps ?? []) stepsById.set(step.id, step);

  const hostRow = (h: StepRecord['hosts'][number]): HostRow => {
    const row: HostRow = {
      host: m(h.host),
      ok: h.ok,
      exitCode: h.exitCode === null ? (h.signal ? `signal ${m(h.signal)}` : 'none') : String(h.exitCode),
      duration: formatDuration(h.durationMs),
      // Mask first, cut second: a cut through a secret would leave its unmasked prefix behind.
      stdout: excerpt(m(h.stdout ?? ''), excerptChars),
      stderr: excerpt(m(h.stderr ?? ''), excerptChars),
      truncated: h.truncated,
      replayed: h.replayed === true,
    };
    if (h.error) row.error = m(h.error);
    return row;
  };

  const stepRow = (s: StepRecord): StepRow => {
    const row: StepRow = {
      id: m(s.id),
      phase: s.phase,
      title: m(s.title),
      status: s.status,
      mode: s.automated && !s.decidedBy ? 'automated' : 'human',
      hosts: (s.hosts ?? []).map(hostRow),
    };
    if (s.action) row.action = m(s.action);
    if (s.target) row.target = m(s.target);
    if (s.command) row.command = m(s.command);
    if (s.decidedBy) {
      const d = s.decidedBy;
      row.decision = `${d.decision} by ${actorText(d)} at ${m(d.at)}${d.comment ? ` — “${m(d.comment)}”` : ''}`;
    }
    if (s.condition) {
      row.condition = m(
        `when: ${s.condition.expr} → ${s.condition.error ? `error: ${s.condition.error}` : String(s.condition.result)}`,
      );
    }
    if (s.startedAt) row.startedAt = m(s.startedAt);
    if (s.endedAt) row.endedAt = m(s.endedAt);
    const ms = msBetween(s.startedAt, s.endedAt);
    if (ms !== undefined) row.duration = formatDuration(ms);
    if (s.attempts !== undefined) row.attempts = s.attempts;
    if (s.error) row.error = m(s.error);
    return row;
  };

  const steps = (state.steps ?? []).map(stepRow);

  // Timeline rows, enriched from the step records and the entry's data.
  const notifications: DeliveryRow[] = [];
  const escalations: EscalationRow[] = [];
  const alertDeliveries: ReportModel['alertDeliveries'] = [];
  const timeline: TimelineRow[] = (state.timeline ?? []).map((e: TimelineEntry, i) => {
    const details: string[] = [];
    const data: Record<string, unknown> = 'data' in e && isRecord(e.data) ? e.data : {};
    const used = new Set<string>();
    const step = e.stepId ? stepsById.get(e.stepId) : undefined;
    switch (e.kind) {
      case 'alert_received':
      case 'alert_repeated':
      case 'alert_resolved':
        alertDeliveries.push({ at: m(e.at), event: eventLabel(e.kind), message: m(e.message) });
        break;
      case 'step_started':
        if (step?.command && data.command === undefined) details.push(m(`command: ${step.command}`));
        if (step?.target && data.target === undefined) details.push(m(`target: ${step.target}`));
        break;
      case 'step_finished':
        if (step) {
          used.add('hosts').add('ok');
          if (!e.message.includes(step.status)) details.push(`status: ${step.status}`);
          for (const h of step.hosts ?? []) {
            const out = oneLine(m(h.stdout || h.stderr || ''), inlineChars);
            const exit =
              h.exitCode === null ? (h.signal ? `signal ${h.signal}` : 'no exit code') : `exit ${h.exitCode}`;
            details.push(
              m(`${h.host}: ${exit}, ${formatDuration(h.durationMs)}${h.replayed ? ' (replayed)' : ''}`) +
                (h.error ? ` — ${m(h.error)}` : '') +
                (out ? ` — ${out}` : ''),
            );
          }
        }
        break;
      case 'condition_evaluated':
        if (step?.condition && data.expr === undefined) {
          const c = step.condition;
          details.push(m(`when: ${c.expr} → ${c.error ? `error: ${c.error}` : String(c.result)}`));
        }
        break;
      case 'approved':
      case 'rejected':
        if (data.comment === undefined && step?.decidedBy?.comment && step.decidedBy.at === e.at) {
          details.push(m(`comment: ${step.decidedBy.comment}`));
        }
        break;
      case 'notification_sent':
      case 'notification_failed': {
        const kind = str(data.kind) ?? '';
        const to = Array.isArray(data.to)
          ? data.to.map((p) => str(p) ?? '').filter(Boolean)
          : str(data.to)
            ? [str(data.to) ?? '']
            : [];
        const failedIds = Array.isArray(data.failed) ? data.failed.map((p) => str(p) ?? '') : undefined;
        for (const id of to) {
          const ok = e.kind === 'notification_sent' || (failedIds !== undefined && !failedIds.includes(id));
          const row: DeliveryRow = {
            at: m(e.at),
            kind: m(kind),
            to: personText(id),
            email: m(people[id]?.email ?? ''),
            ok,
          };
          if (!ok) row.error = m(e.message);
          notifications.push(row);
        }
        if (to.length > 0) used.add('to').add('failed').add('kind');
        break;
      }
      case 'escalated': {
        const level = typeof data.level === 'number' ? data.level : undefined;
        const levelInfo = level !== undefined ? state.oncall?.levels[level] : undefined;
        const levelName = str(data.levelName) ?? levelInfo?.name ?? '';
        const peopleList = Array.isArray(data.people)
          ? data.people.map((p) => str(p) ?? '').filter(Boolean)
          : (levelInfo?.people ?? []);
        used.add('level').add('levelName');
        escalations.push({
          at: m(e.at),
          // The workflow counts levels from 0; people count them from 1, as its messages do.
          level: level !== undefined ? String(level + 1) : '',
          levelName: m(levelName),
          people: peopleList.map(personText).join(', '),
          message: m(e.message),
        });
        break;
      }
      default:
        break;
    }
    // Whatever else the workflow recorded, shown compactly so nothing it knew is lost (unless the
    // message already says it).
    for (const key of Object.keys(data).sort()) {
      if (used.has(key)) continue;
      const text = dataText(data[key]);
      if (text !== '' && !e.message.includes(text)) details.push(m(`${key}: ${text}`));
    }
    return {
      n: i + 1,
      at: m(e.at),
      offset: formatOffset(state.startedAt, e.at),
      kind: e.kind,
      event: eventLabel(e.kind),
      actor: actorText(e.actor),
      step: m(e.stepId ?? ''),
      message: m(e.message),
      details,
    };
  });

  // MTTA: the first sign a human took the incident on.
  let firstHuman: { at: string; basis: string } | undefined;
  const consider = (at: string | undefined, basis: string): void => {
    if (!at || Number.isNaN(Date.parse(at))) return;
    if (!firstHuman || Date.parse(at) < Date.parse(firstHuman.at)) firstHuman = { at, basis };
  };
  if (state.acknowledged)
    consider(state.acknowledged.at, `acknowledged by ${actorText(state.acknowledged.by)}`);
  for (const s of state.steps ?? []) {
    if (s.decidedBy && s.decidedBy.channel !== 'system') {
      consider(s.decidedBy.at, `${s.decidedBy.decision} ${m(s.id)} by ${actorText(s.decidedBy)}`);
    }
  }
  for (const e of state.timeline ?? []) {
    if (HUMAN_DECISION_KINDS.has(e.kind) && e.actor && e.actor.channel !== 'system') {
      consider(e.at, `${eventLabel(e.kind).toLowerCase()} by ${actorText(e.actor)}`);
    }
  }
  const mttaMs = firstHuman ? msBetween(state.startedAt, firstHuman.at) : undefined;
  const mttrMs = state.status === 'resolved' ? msBetween(state.startedAt, state.endedAt) : undefined;
  const durationMs = msBetween(state.startedAt, state.endedAt);

  const links: ReportLink[] = [];
  if (state.alert?.generatorURL)
    links.push({ label: 'Alert source (generatorURL)', url: m(state.alert.generatorURL) });
  if (opts.links?.temporalUiBaseUrl) {
    const ns = opts.links.temporalNamespace ?? 'default';
    links.push({
      label: 'Temporal workflow',
      url: m(joinUrl(opts.links.temporalUiBaseUrl, 'namespaces', ns, 'workflows', state.id)),
    });
  }
  if (opts.links?.incidentBaseUrl) {
    links.push({ label: 'Incident page', url: m(joinUrl(opts.links.incidentBaseUrl, state.id)) });
  }

  const failed = steps.filter((s) => s.status === 'failed');
  const followUps = buildFollowUps(state, steps, notifications, m, actorText);

  const model: ReportModel = {
    incidentId: m(state.id),
    title: m(state.runbook.title || state.runbook.id),
    runbook: {
      id: m(state.runbook.id),
      title: m(state.runbook.title),
      service: m(state.runbook.service),
      file: m(state.runbook.file),
      planHash: m(state.runbook.planHash),
      planVersion: state.runbook.planVersion,
    },
    severity: m(state.severity),
    status: m(state.status),
    startedAt: m(state.startedAt),
    alert: {
      status: m(state.alert?.status),
      source: m(state.alert?.source),
      fingerprint: m(state.alert?.fingerprint),
      startsAt: m(state.alert?.startsAt),
      generatorURL: m(state.alert?.generatorURL),
      labels: sortedEntries(state.alert?.labels).map(([k, v]) => [m(k), m(v)]),
      annotations: sortedEntries(state.alert?.annotations).map(([k, v]) => [m(k), m(v)]),
    },
    alertCount: state.alertCount ?? 1,
    alertDeliveries,
    links,
    timeline,
    steps,
    automatedCount: steps.filter((s) => s.mode === 'automated').length,
    humanCount: steps.filter((s) => s.mode === 'human').length,
    failed,
    followUps,
    notifications,
    escalations,
    generatedAt: m(state.updatedAt || state.endedAt || state.startedAt),
  };
  if (state.endedAt) model.endedAt = m(state.endedAt);
  if (durationMs !== undefined) model.duration = formatDuration(durationMs);
  if (state.acknowledged)
    model.acknowledged = `${actorText(state.acknowledged.by)} at ${m(state.acknowledged.at)}`;
  if (mttaMs !== undefined && firstHuman)
    model.mtta = { value: formatDuration(mttaMs), basis: `${firstHuman.basis} at ${m(firstHuman.at)}` };
  if (mttrMs !== undefined) model.mttr = formatDuration(mttrMs);
  if (state.alert?.endsAt) model.alert.endsAt = m(state.alert.endsAt);
  if (state.alert?.receiver) model.alert.receiver = m(state.alert.receiver);
  if (state.alert?.groupKey) model.alert.groupKey = m(state.alert.groupKey);
  if (state.alertResolvedAt) model.alertResolvedAt = m(state.alertResolvedAt);
  return model;
}

function buildFollowUps(
  state: IncidentState,
  steps: StepRow[],
  notifications: DeliveryRow[],
  m: (s: string | undefined) => string,
  actorText: (a: Actor | undefined) => string,
): string[] {
  const items: string[] = [];
  for (const s of steps) {
    const name = `${s.phase} step ${s.id} (${s.title})`;
    switch (s.status) {
      case 'failed':
        items.push(
          s.phase === 'verify'
            ? `Verify ${s.id} (${s.title}) failed: the remediation did not clear the symptom — confirm the service by hand${s.error ? ` (${s.error})` : ''}.`
            : `Investigate the failed ${name}${s.error ? `: ${s.error}` : ''}.`,
        );
        break;
      case 'rejected':
        items.push(
          `Remediation ${s.id} (${s.title}) was ${s.decision ?? 'rejected'}: carry it out by hand or record why it is not needed.`,
        );
        break;
      case 'expired':
        items.push(
          `The approval for ${s.id} (${s.title}) expired without a decision: review on-call response and do the step by hand if still needed.`,
        );
        break;
      case 'skipped':
        items.push(
          `The ${name} was skipped${s.condition ? ` (${s.condition})` : ''}: confirm it was not needed.`,
        );
        break;
      case 'pending':
      case 'awaiting_approval':
      case 'running':
      case 'cancelled':
        items.push(`The ${name} never completed (status ${s.status}): decide whether it still has to run.`);
        break;
      default:
        break;
    }
  }
  for (const e of state.timeline ?? []) {
    if (e.kind === 'note')
      items.push(`Manual action noted by ${actorText(e.actor)} at ${m(e.at)}: ${m(e.message)}`);
    if (e.kind === 'approval_refused')
      items.push(`A refused approval attempt at ${m(e.at)}: ${m(e.message)}`);
  }
  if (state.escalation && state.escalation.pages > 0) {
    items.push(
      `The incident was escalated (${state.escalation.pages} page(s), reached level ${state.escalation.level + 1}): record what the paged responders did.`,
    );
  }
  for (const n of notifications.filter((d) => !d.ok)) {
    items.push(
      `Notification${n.kind ? ` (${n.kind})` : ''} to ${n.to}${n.email ? ` <${n.email}>` : ''} failed${n.error ? `: ${n.error}` : ''} — check the contact data and mail relay.`,
    );
  }
  if (state.status !== 'resolved') {
    items.push(`The incident ended with status ${m(state.status)}: find and fix the root cause by hand.`);
  } else if (state.alert?.status === 'firing' && !state.alertResolvedAt) {
    items.push('The alert source has not reported the alert resolved yet: confirm the fix holds.');
  }
  return items;
}
