/**
 * Mail templates for every notification kind: plain text plus HTML. Everything interpolated is
 * escaped for HTML; alert values are shown as data. Secrets never reach here: step commands in
 * state carry only `$FIREBREAK_SECRET_*` references and outputs are masked by the SSH activity.
 */
import type { NotificationInput } from '../../contracts/notifications';
import type { IncidentState, Person, StepRecord } from '../../contracts/incident';
import type { NotificationKind } from '../../contracts/plan';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailLinks {
  incidentUrl?: string;
  temporalUrl?: string;
  approveUrl?: string;
  rejectUrl?: string;
}

const HEADLINES: Record<NotificationKind, string> = {
  opened: 'Incident opened',
  approval_needed: 'Approval needed',
  escalated: 'Incident escalated',
  remediation_succeeded: 'Remediation succeeded',
  remediation_failed: 'Remediation failed',
  resolved: 'Incident resolved',
  report: 'Post-incident report',
};

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function clip(s: string, max = 600): string {
  const t = s.trim();
  return t.length > max ? `${t.slice(0, max)}… [${t.length - max} more chars]` : t;
}

/** Short findings of the diagnostics that ran: status, extracted values, output excerpt. */
function findings(state: IncidentState): { title: string; status: string; detail: string }[] {
  return state.steps
    .filter((s) => s.phase === 'diagnostic' && s.status !== 'pending')
    .map((s) => ({ title: s.title, status: s.status, detail: stepDetail(s) }));
}

function stepDetail(s: StepRecord): string {
  const parts: string[] = [];
  for (const h of s.hosts) {
    const vals = Object.entries(h.values)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    const out = clip(h.stdout || h.stderr || h.error || '', 400);
    parts.push(`[${h.host}] exit ${h.exitCode ?? '-'}${vals ? ` ${vals}` : ''}${out ? `\n${out}` : ''}`);
  }
  if (s.error) parts.push(`error: ${s.error}`);
  return parts.join('\n');
}

function summaryLines(state: IncidentState): [string, string][] {
  const labels = state.alert.labels;
  return [
    ['Incident', state.id],
    ['Runbook', `${state.runbook.title} (${state.runbook.id})`],
    ['Service', state.runbook.service],
    ['Severity', state.severity],
    ['Status', state.status],
    ['Alert', labels.alertname ?? '(unnamed)'],
    ['Instance', labels.instance ?? '-'],
    ['Summary', state.alert.annotations.summary ?? state.alert.annotations.description ?? '-'],
    ['Started', state.startedAt],
    ['Deliveries', String(state.alertCount)],
  ];
}

/** Render one recipient's mail for a notification. */
export function renderNotification(input: NotificationInput, to: Person, links: MailLinks): RenderedMail {
  const s = input.state;
  const headline = HEADLINES[input.kind];
  const alertname = s.alert.labels.alertname ?? s.runbook.title;
  const step = input.approval ? s.steps.find((x) => x.id === input.approval?.stepId) : undefined;
  let subject = `[Firebreak ${s.severity}] ${headline}: ${alertname} — ${s.runbook.service}`;
  if (input.kind === 'approval_needed' && step)
    subject = `[Firebreak ${s.severity}] Approve "${step.title}"? ${alertname}`;
  if (input.kind === 'escalated' && input.escalation)
    subject += ` (level ${input.escalation.level}: ${input.escalation.levelName})`;

  const intro: string[] = [`Hello ${to.name},`, ''];
  if (input.kind === 'approval_needed' && step) {
    intro.push(`Firebreak wants to run a remediation step that needs your approval:`, '');
    intro.push(`  Step:    ${step.title} (${step.id})`);
    if (step.target) intro.push(`  Target:  ${step.target}`);
    if (step.command) intro.push(`  Command: ${step.command}`);
    if (input.approval)
      intro.push(`  Expires: ${input.approval.expiresAt} (it escalates, never auto-approves)`);
  } else if (input.kind === 'escalated' && input.escalation) {
    intro.push(
      `Nobody has acknowledged this incident yet; you are paged as escalation level ${input.escalation.level} (${input.escalation.levelName}).`,
    );
  } else {
    intro.push(`${headline}.`);
  }

  const sum = summaryLines(s);
  const f = findings(s);
  const remediations = s.steps.filter((x) => x.phase !== 'diagnostic' && x.status !== 'pending');

  const text = [
    ...intro,
    '',
    ...sum.map(([k, v]) => `${`${k}:`.padEnd(12)}${v}`),
    '',
    f.length ? 'Diagnostic findings:' : 'No diagnostics have finished yet.',
    ...f.map((x) => `- ${x.title}: ${x.status}${x.detail ? `\n${x.detail.replace(/^/gm, '    ')}` : ''}`),
    ...(remediations.length
      ? [
          '',
          'Remediation:',
          ...remediations.map((x) => `- ${x.title}: ${x.status}${x.error ? ` (${x.error})` : ''}`),
        ]
      : []),
    '',
    ...(links.approveUrl ? [`Approve: ${links.approveUrl}`] : []),
    ...(links.rejectUrl ? [`Reject:  ${links.rejectUrl}`] : []),
    ...(links.incidentUrl ? [`Incident: ${links.incidentUrl}`] : []),
    ...(links.temporalUrl ? [`Temporal: ${links.temporalUrl}`] : []),
    '',
    '— Firebreak',
  ].join('\n');

  const e = escapeHtml;
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>Hello ${e(to.name)},</p>
<h2>${e(headline)}: ${e(alertname)}</h2>
${step && input.kind === 'approval_needed' ? `<p>Step <b>${e(step.title)}</b> (${e(step.id)})${step.target ? ` on <code>${e(step.target)}</code>` : ''} needs your approval.</p>${step.command ? `<pre>${e(step.command)}</pre>` : ''}${input.approval ? `<p>Expires ${e(input.approval.expiresAt)}; on expiry it escalates, never auto-approves.</p>` : ''}` : ''}
${input.kind === 'escalated' && input.escalation ? `<p>Nobody has acknowledged this incident; you are paged as level ${input.escalation.level} (${e(input.escalation.levelName)}).</p>` : ''}
${links.approveUrl ? `<p><a href="${e(links.approveUrl)}" style="padding:8px 16px;background:#2e7d32;color:#fff;text-decoration:none">Approve</a> &nbsp; <a href="${e(links.rejectUrl ?? '')}" style="padding:8px 16px;background:#c62828;color:#fff;text-decoration:none">Reject</a></p>` : ''}
<table>${sum.map(([k, v]) => `<tr><th align="left">${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</table>
<h3>Diagnostic findings</h3>
${f.length ? `<ul>${f.map((x) => `<li><b>${e(x.title)}</b>: ${e(x.status)}${x.detail ? `<pre>${e(x.detail)}</pre>` : ''}</li>`).join('')}</ul>` : '<p>No diagnostics have finished yet.</p>'}
${remediations.length ? `<h3>Remediation</h3><ul>${remediations.map((x) => `<li>${e(x.title)}: ${e(x.status)}${x.error ? ` (${e(x.error)})` : ''}</li>`).join('')}</ul>` : ''}
<p>${links.incidentUrl ? `<a href="${e(links.incidentUrl)}">Incident page</a>` : ''}${links.temporalUrl ? ` · <a href="${e(links.temporalUrl)}">Temporal UI</a>` : ''}</p>
</body></html>`;
  return { subject, text, html };
}
