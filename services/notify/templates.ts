/**
 * Mail templates: one mail per person carrying every notice for them (combined within a few
 * seconds by the workflow), plain text plus HTML drawn from the same sections. The subject and the
 * top of the body say what is down (alertname, service/instance/host, summary). Everything
 * interpolated into HTML is escaped; alert values are shown as data. Secrets never reach here:
 * commands carry only `$FIREBREAK_SECRET_*` references and outputs are masked by the activity.
 */
import type { MailIncidentView, Notice, NoticeKind } from '../../contracts/notifications';
import { escalationLabel } from '../../contracts/notifications';
import type { Person } from '../../contracts/incident';
import { identityLine, identityOf, oneLine } from './identity';

/** A rendered mail: subject, plain text and HTML. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Signed one-click links of one approval request, for one recipient. */
export interface ApprovalLinks {
  approveUrl: string;
  rejectUrl: string;
  /** When the links stop working (the request's expiry), ISO. */
  expiresAt: string;
}

/** The links one recipient's mail carries. */
export interface MailLinks {
  /** The incident's console page (HTML to a browser, JSON to `Accept: application/json`). */
  incidentUrl?: string;
  temporalUrl?: string;
  /** Per approval request (step id): this recipient's links. */
  approvals?: Record<string, ApprovalLinks>;
}

const HEADLINES: Record<NoticeKind, string> = {
  opened: 'Incident opened',
  approval_needed: 'Approval needed',
  escalated: 'Incident escalated',
  remediation_succeeded: 'Remediation succeeded',
  remediation_failed: 'Remediation failed',
  resolved: 'Incident resolved',
  report: 'Post-incident report',
  approval_withdrawn: 'Approval withdrawn',
};

const INTROS: Partial<Record<NoticeKind, string>> = {
  opened: 'Firebreak opened an incident for this alert and is running its runbook.',
  remediation_succeeded: 'A remediation step ran and passed its checks.',
  remediation_failed: 'A remediation step failed; see the remediation list below.',
  resolved: 'The incident is resolved.',
  report: 'The post-incident report is ready.',
};

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** One notice as the body shows it; text and HTML are both drawn from it. */
interface Section {
  title: string;
  intro: string;
  command?: string;
  fields: [string, string][];
  buttons: { label: 'Approve' | 'Reject'; url: string }[];
}

function approvalSection(n: Notice, links: MailLinks): Section {
  const a = n.approval!;
  const own = links.approvals?.[a.stepId];
  const where = [a.target, a.hosts?.length ? `hosts: ${a.hosts.join(', ')}` : undefined].filter(Boolean);
  return {
    title: `Approval needed: ${a.title} (${a.stepId})`,
    intro:
      'Firebreak wants to run this remediation and needs your decision. The links open a confirmation page: nothing runs until you press its button.',
    ...(a.command !== undefined ? { command: a.command } : {}),
    fields: [
      ...(where.length ? ([['Where', where.join(' — ')]] as [string, string][]) : []),
      ['Approvers', a.approvers.join(', ') || '-'],
      [
        'Expires',
        `${own?.expiresAt ?? a.expiresAt} — the links work until then; on expiry the incident escalates, it never auto-approves`,
      ],
    ],
    buttons: own
      ? [
          { label: 'Approve', url: own.approveUrl },
          { label: 'Reject', url: own.rejectUrl },
        ]
      : [],
  };
}

function sectionOf(n: Notice, links: MailLinks): Section {
  if (n.kind === 'approval_needed' && n.approval) return approvalSection(n, links);
  if (n.kind === 'escalated' && n.escalation) {
    const label = escalationLabel(n.escalation.level, n.escalation.levelName);
    return {
      title: `Escalated to ${label}`,
      intro: `Nobody has acknowledged this incident; you are paged at escalation ${label}.`,
      fields: n.escalation.reason ? [['Why', n.escalation.reason]] : [],
      buttons: [],
    };
  }
  if (n.kind === 'approval_withdrawn' && n.withdrawn) {
    const w = n.withdrawn;
    return {
      title: `Approval withdrawn: ${w.title} (${w.stepId})`,
      intro: `You were asked to approve or reject this step. The request is withdrawn: ${w.reason}. Nothing was run, and the links for it no longer decide anything.`,
      fields: [],
      buttons: [],
    };
  }
  return {
    title: HEADLINES[n.kind],
    intro: INTROS[n.kind] ?? `${HEADLINES[n.kind]}.`,
    fields: [],
    buttons: [],
  };
}

function subjectOf(view: MailIncidentView, notices: Notice[]): string {
  const heads = notices.map((n) => {
    if (n.kind === 'approval_needed' && n.approval) return `Approve "${oneLine(n.approval.title, 60)}"?`;
    if (n.kind === 'escalated' && n.escalation)
      return `Escalated to ${escalationLabel(n.escalation.level, n.escalation.levelName)}`;
    return HEADLINES[n.kind];
  });
  const head = [...new Set(heads)].join(' + ');
  return oneLine(`[Firebreak ${view.severity}] ${head}: ${identityLine(identityOf(view))}`, 250);
}

/** "What is down" and where the incident stands, label → value. */
function summaryFields(view: MailIncidentView): [string, string][] {
  const id = identityOf(view);
  const others = Object.entries(view.alert.labels).filter(
    ([k]) => k !== 'alertname' && !id.where.some(([w]) => w === k),
  );
  return [
    ['Alert', id.alertname],
    ...id.where,
    ['Summary', id.summary ?? '-'],
    ...(others.length
      ? ([['Labels', others.map(([k, v]) => `${k}=${v}`).join(', ')]] as [string, string][])
      : []),
    ['Runbook', `${view.runbook.title} (${view.runbook.id})`],
    ['Severity', view.severity],
    ['Status', view.status],
    ['Escalation', escalationLabel(view.escalation.level, view.escalation.levelName)],
    ['Incident', view.id],
    ['Started', view.startedAt],
    ['Deliveries', String(view.alertCount)],
  ];
}

function sectionText(s: Section): string[] {
  return [
    `== ${s.title} ==`,
    s.intro,
    ...(s.command !== undefined ? [`  Command: ${s.command}`] : []),
    ...s.fields.map(([k, v]) => `  ${`${k}:`.padEnd(10)} ${v}`),
    // `Approve: <url>` / `Reject:  <url>`: one per line, easy to find and to follow.
    ...s.buttons.map((b) => `${`${b.label}:`.padEnd(8)} ${b.url}`),
    '',
  ];
}

function bodyText(to: Person, view: MailIncidentView, sections: Section[], links: MailLinks): string {
  return [
    `Hello ${to.name},`,
    '',
    ...sections.flatMap(sectionText),
    'What is down:',
    ...summaryFields(view).map(([k, v]) => `  ${`${k}:`.padEnd(12)}${v}`),
    '',
    view.findings.length ? 'Diagnostic findings:' : 'No diagnostics have finished yet.',
    ...view.findings.map(
      (x) => `- ${x.title}: ${x.status}${x.detail ? `\n${x.detail.replace(/^/gm, '    ')}` : ''}`,
    ),
    ...(view.remediations.length
      ? [
          '',
          'Remediation:',
          ...view.remediations.map((x) => `- ${x.title}: ${x.status}${x.error ? ` (${x.error})` : ''}`),
        ]
      : []),
    '',
    ...(links.incidentUrl ? [`Incident: ${links.incidentUrl}`] : []),
    ...(links.temporalUrl ? [`Temporal: ${links.temporalUrl}`] : []),
    '',
    '— Firebreak',
  ].join('\n');
}

const BUTTON_COLORS = { Approve: '#2e7d32', Reject: '#c62828' } as const;

function sectionHtml(s: Section): string {
  const e = escapeHtml;
  const buttons = s.buttons
    .map(
      (b) =>
        `<a href="${e(b.url)}" style="display:inline-block;margin:4px 8px 4px 0;padding:8px 16px;background:${BUTTON_COLORS[b.label]};color:#fff;text-decoration:none">${b.label}</a>`,
    )
    .join('');
  return `<h2>${e(s.title)}</h2>
<p>${e(s.intro)}</p>
${s.command !== undefined ? `<pre style="background:#f4f4f4;padding:8px;white-space:pre-wrap">${e(s.command)}</pre>` : ''}
${s.fields.length ? `<table>${s.fields.map(([k, v]) => `<tr><th align="left">${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</table>` : ''}
${buttons ? `<p>${buttons}</p>` : ''}`;
}

function bodyHtml(to: Person, view: MailIncidentView, sections: Section[], links: MailLinks): string {
  const e = escapeHtml;
  const f = view.findings;
  const r = view.remediations;
  return `<!doctype html><html><body style="font-family:sans-serif">
<p>Hello ${e(to.name)},</p>
${sections.map(sectionHtml).join('\n')}
<h3>What is down</h3>
<table>${summaryFields(view)
    .map(([k, v]) => `<tr><th align="left">${e(k)}</th><td>${e(v)}</td></tr>`)
    .join('')}</table>
<h3>Diagnostic findings</h3>
${f.length ? `<ul>${f.map((x) => `<li><b>${e(x.title)}</b>: ${e(x.status)}${x.detail ? `<pre>${e(x.detail)}</pre>` : ''}</li>`).join('')}</ul>` : '<p>No diagnostics have finished yet.</p>'}
${r.length ? `<h3>Remediation</h3><ul>${r.map((x) => `<li>${e(x.title)}: ${e(x.status)}${x.error ? ` (${e(x.error)})` : ''}</li>`).join('')}</ul>` : ''}
<p>${links.incidentUrl ? `<a href="${e(links.incidentUrl)}">Incident page</a>` : ''}${links.temporalUrl ? ` · <a href="${e(links.temporalUrl)}">Temporal UI</a>` : ''}</p>
</body></html>`;
}

/** One recipient's mail for the notices combined for them (most urgent first). */
export function renderMail(
  view: MailIncidentView,
  notices: Notice[],
  to: Person,
  links: MailLinks,
): RenderedMail {
  const sections = notices.map((n) => sectionOf(n, links));
  return {
    subject: subjectOf(view, notices),
    text: bodyText(to, view, sections, links),
    html: bodyHtml(to, view, sections, links),
  };
}
