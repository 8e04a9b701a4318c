/**
 * The incident as a mail shows it, built from the state by the workflow (for the notification
 * activity's input) and by the activity (for incidents started before the workflow built it).
 * Identity, where it stands, short findings: output and labels clipped, so history stays small
 * however much the steps printed. Pure.
 */
import type { IncidentState, StepRecord } from './incident';
import type { MailIncidentView } from './notifications';

/** Caps of the mail view: labels kept, and characters per label, per host excerpt, per step. */
const MAX_LABELS = 40;
const LABEL_CHARS = 300;
const HOST_EXCERPT_CHARS = 400;
const HOSTS_PER_STEP = 3;
const TEXT_CHARS = 1_000;

function clip(s: string, max: number): string {
  const t = s.trim();
  return t.length > max ? `${t.slice(0, max)}… [${t.length - max} more chars]` : t;
}

function stepDetail(s: StepRecord): string {
  const parts: string[] = [];
  for (const h of s.hosts.slice(0, HOSTS_PER_STEP)) {
    const vals = Object.entries(h.values)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    const out = clip(h.stdout || h.stderr || h.error || '', HOST_EXCERPT_CHARS);
    parts.push(`[${h.host}] exit ${h.exitCode ?? '-'}${vals ? ` ${vals}` : ''}${out ? `\n${out}` : ''}`);
  }
  if (s.hosts.length > HOSTS_PER_STEP) parts.push(`… and ${s.hosts.length - HOSTS_PER_STEP} more host(s)`);
  if (s.error) parts.push(`error: ${clip(s.error, HOST_EXCERPT_CHARS)}`);
  return parts.join('\n');
}

function clippedLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels).slice(0, MAX_LABELS)) {
    out[clip(k, 100)] = clip(v, LABEL_CHARS);
  }
  return out;
}

/** The incident as its mails show it. */
export function mailView(state: IncidentState): MailIncidentView {
  const { alert } = state;
  const { summary, description } = alert.annotations;
  return {
    id: state.id,
    runbook: { id: state.runbook.id, title: state.runbook.title, service: state.runbook.service },
    severity: state.severity,
    status: state.status,
    alert: {
      labels: clippedLabels(alert.labels),
      ...(summary ? { summary: clip(summary, TEXT_CHARS) } : {}),
      ...(description ? { description: clip(description, TEXT_CHARS) } : {}),
      startsAt: alert.startsAt,
      fingerprint: alert.fingerprint,
      ...(alert.generatorURL ? { generatorURL: clip(alert.generatorURL, TEXT_CHARS) } : {}),
    },
    startedAt: state.startedAt,
    alertCount: state.alertCount,
    escalation: {
      level: state.escalation.level,
      ...(state.oncall?.levels[state.escalation.level]?.name
        ? { levelName: state.oncall.levels[state.escalation.level]!.name }
        : {}),
    },
    findings: state.steps
      .filter((s) => s.phase === 'diagnostic' && s.status !== 'pending')
      .map((s) => ({ title: s.title, status: s.status, detail: stepDetail(s) })),
    remediations: state.steps
      .filter((s) => s.phase !== 'diagnostic' && s.status !== 'pending')
      .map((s) => ({
        title: s.title,
        status: s.status,
        ...(s.error ? { error: clip(s.error, HOST_EXCERPT_CHARS) } : {}),
      })),
  };
}
