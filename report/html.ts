/**
 * Self-contained HTML rendering of the report model: inline CSS, no scripts, no external
 * resources (a CSP meta tag forbids them), so it reads the same in a mail client and a browser.
 * Every text is HTML-escaped: alert labels and command output are hostile data.
 */
import { safeHttpUrl } from './format';
import type { HostRow, ReportModel, StepRow } from './model';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"'`]/gu, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
body{margin:0;padding:16px;font:14px/1.45 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1d232a;background:#fff}
main{max-width:1100px;margin:0 auto}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid #d0d7de}
h3{font-size:15px;margin:18px 0 6px}
.sub{color:#57606a;margin:0 0 12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
table.kv th{width:170px}
#timeline-table td:nth-child(-n+3),td.at,td.n{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
code{background:#f6f8fa;padding:1px 4px;border-radius:3px;word-break:break-all}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-all;margin:4px 0 8px}
ul.details{margin:2px 0 0;padding-left:18px;color:#424a53}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;background:#eaeef2}
.s-resolved,.s-succeeded,.ok{background:#dafbe1;color:#116329}
.s-failed,.s-rejected,.s-expired,.bad{background:#ffebe9;color:#a40e26}
.s-escalated,.s-awaiting_approval,.s-skipped{background:#fff8c5;color:#7d4e00}
.host{margin:6px 0 10px}
.step{border:1px solid #d0d7de;border-radius:6px;padding:4px 12px 8px;margin:10px 0}
.muted{color:#57606a}
`;

function badge(status: string): string {
  return `<span class="badge s-${esc(status.replace(/[^a-z_]/gu, ''))}">${esc(status)}</span>`;
}

function code(text: string): string {
  return text ? `<code>${esc(text)}</code>` : '';
}

function link(label: string, url: string): string {
  const safe = safeHttpUrl(url);
  return safe
    ? `<a href="${esc(safe)}" rel="noopener noreferrer">${esc(label)}</a> <span class="muted">${code(url)}</span>`
    : `${esc(label)}: ${code(url)} <span class="muted">(not an http(s) link)</span>`;
}

function kvTable(id: string, rows: [string, string][]): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`).join('\n');
  return `<table class="kv" id="${id}" border="1" cellpadding="4" cellspacing="0">\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function table(id: string, header: string[], rows: string[][], rowAttrs?: string[]): string {
  const head = `<tr>${header.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r, i) => `<tr${rowAttrs?.[i] ?? ''}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table id="${id}" border="1" cellpadding="4" cellspacing="0">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function hostHtml(h: HostRow): string {
  const parts = [
    `<div class="host"><strong>${esc(h.host)}</strong>: <span class="badge ${h.ok ? 'ok' : 'bad'}">${h.ok ? 'ok' : 'failed'}</span> ` +
      `exit ${esc(h.exitCode)}, ${esc(h.duration)}` +
      (h.replayed ? ' <span class="muted">(replayed: already ran, first result reused)</span>' : '') +
      (h.truncated ? ' <span class="muted">(output truncated at capture)</span>' : '') +
      (h.error ? ` — error: ${esc(h.error)}` : ''),
  ];
  for (const [name, out] of [
    ['stdout', h.stdout],
    ['stderr', h.stderr],
  ] as const) {
    if (!out.text) continue;
    parts.push(
      `<div class="muted">${name}${out.omitted > 0 ? ` (excerpt, ${out.omitted} more characters not shown)` : ''}:</div>` +
        `<pre>${esc(out.text)}</pre>`,
    );
  }
  parts.push('</div>');
  return parts.join('\n');
}

function stepHtml(s: StepRow): string {
  const facts: [string, string][] = [
    ['Phase', esc(s.phase)],
    ['Status', badge(s.status)],
    ['Mode', esc(s.mode)],
  ];
  if (s.action) facts.push(['Action', code(s.action)]);
  if (s.target) facts.push(['Target', code(s.target)]);
  if (s.command) facts.push(['Command', code(s.command)]);
  if (s.condition) facts.push(['Condition', code(s.condition)]);
  if (s.decision) facts.push(['Decision', esc(s.decision)]);
  if (s.startedAt) facts.push(['Started', esc(s.startedAt)]);
  if (s.endedAt) facts.push(['Ended', esc(s.endedAt)]);
  if (s.duration) facts.push(['Duration', esc(s.duration)]);
  if (s.attempts !== undefined) facts.push(['Attempts', String(s.attempts)]);
  if (s.error) facts.push(['Error', esc(s.error)]);
  return [
    `<div class="step" data-step="${esc(s.id)}">`,
    `<h3>${esc(s.id)} — ${esc(s.title)}</h3>`,
    `<ul>${facts.map(([k, v]) => `<li>${esc(k)}: ${v}</li>`).join('')}</ul>`,
    ...s.hosts.map(hostHtml),
    '</div>',
  ].join('\n');
}

/** Renders the model as one self-contained HTML document (deterministic: same model → same bytes). */
export function htmlFromModel(r: ReportModel): string {
  const dash = (s: string | undefined): string => (s ? esc(s) : '—');
  const sections: string[] = [];

  sections.push(
    `<h1>Post-incident report: ${esc(r.title)}</h1>`,
    `<p class="sub">Incident ${code(r.incidentId)}, state as of ${esc(r.generatedAt)}.</p>`,
  );

  sections.push(
    '<section id="summary"><h2>Summary</h2>',
    kvTable('summary-table', [
      ['Incident', code(r.incidentId)],
      ['Runbook', `${code(r.runbook.id)} — ${esc(r.runbook.title)} (${code(r.runbook.file)})`],
      ['Plan', `version ${r.runbook.planVersion}, hash ${code(r.runbook.planHash)}`],
      ['Service', esc(r.runbook.service)],
      ['Severity', `<strong>${esc(r.severity)}</strong>`],
      ['Final status', badge(r.status)],
      ['Started', esc(r.startedAt)],
      ['Ended', dash(r.endedAt)],
      ['Duration', dash(r.duration)],
      ['Acknowledged', dash(r.acknowledged)],
      [
        'MTTA',
        r.mtta
          ? `${esc(r.mtta.value)} <span class="muted">(${esc(r.mtta.basis)})</span>`
          : '— (no human acknowledgement or decision)',
      ],
      ['MTTR', r.mttr ? esc(r.mttr) : '— (not resolved)'],
      [
        'Alert deliveries',
        `${r.alertCount}${r.alertResolvedAt ? `, resolved at ${esc(r.alertResolvedAt)}` : ''}`,
      ],
      [
        'Steps',
        `${r.automatedCount} automated, ${r.humanCount} with a human decision, ${r.failed.length} failed`,
      ],
    ]),
    '</section>',
  );

  const alertRows: [string, string][] = [
    ['Status', esc(r.alert.status)],
    ['Source', esc(r.alert.source)],
    ['Fingerprint', code(r.alert.fingerprint)],
    ['Starts at', esc(r.alert.startsAt)],
  ];
  if (r.alert.endsAt) alertRows.push(['Ends at', esc(r.alert.endsAt)]);
  if (r.alert.receiver) alertRows.push(['Receiver', esc(r.alert.receiver)]);
  if (r.alert.groupKey) alertRows.push(['Group key', code(r.alert.groupKey)]);
  sections.push(
    '<section id="alert"><h2>Trigger alert</h2>',
    kvTable('alert-table', alertRows),
    '<h3>Labels</h3>',
    r.alert.labels.length
      ? table(
          'labels-table',
          ['Label', 'Value'],
          r.alert.labels.map(([k, v]) => [code(k), esc(v)]),
        )
      : '<p>None.</p>',
  );
  if (r.alert.annotations.length) {
    sections.push(
      '<h3>Annotations</h3>',
      table(
        'annotations-table',
        ['Annotation', 'Value'],
        r.alert.annotations.map(([k, v]) => [code(k), esc(v)]),
      ),
    );
  }
  sections.push(
    '<h3>Links</h3>',
    r.links.length
      ? `<ul id="links">${r.links.map((l) => `<li>${link(l.label, l.url)}</li>`).join('')}</ul>`
      : '<p>None.</p>',
  );
  if (r.alertDeliveries.length) {
    sections.push(
      '<h3>Deliveries</h3>',
      `<ul>${r.alertDeliveries.map((d) => `<li>${esc(d.at)} — ${esc(d.event)}: ${esc(d.message)}</li>`).join('')}</ul>`,
    );
  }
  sections.push('</section>');

  sections.push(
    '<section id="timeline"><h2>Timeline</h2>',
    table(
      'timeline-table',
      ['#', 'Time (UTC)', 'Offset', 'Event', 'Actor', 'Step', 'Details'],
      r.timeline.map((t) => [
        String(t.n),
        `<time datetime="${esc(t.at)}">${esc(t.at)}</time>`,
        esc(t.offset),
        esc(t.event),
        esc(t.actor),
        code(t.step),
        esc(t.message) +
          (t.details.length
            ? `<ul class="details">${t.details.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>`
            : ''),
      ]),
      r.timeline.map((t) => ` data-kind="${esc(t.kind)}"`),
    ),
    '</section>',
  );

  sections.push(
    '<section id="steps"><h2>Steps</h2><h3>Automated vs human</h3>',
    r.steps.length
      ? table(
          'steps-table',
          ['Step', 'Phase', 'Title', 'Mode', 'Status', 'Decision', 'Duration'],
          r.steps.map((s) => [
            code(s.id),
            esc(s.phase),
            esc(s.title),
            esc(s.mode),
            badge(s.status),
            s.decision ? esc(s.decision) : '',
            s.duration ? esc(s.duration) : '',
          ]),
        )
      : '<p>No steps ran.</p>',
    ...r.steps.map(stepHtml),
    '</section>',
  );

  sections.push(
    '<section id="notifications"><h2>Notifications</h2>',
    r.notifications.length
      ? table(
          'notifications-table',
          ['Time (UTC)', 'Kind', 'To', 'Email', 'Result'],
          r.notifications.map((n) => [
            esc(n.at),
            esc(n.kind),
            esc(n.to),
            esc(n.email),
            n.ok
              ? '<span class="badge ok">delivered</span>'
              : `<span class="badge bad">failed</span>${n.error ? ` ${esc(n.error)}` : ''}`,
          ]),
        )
      : '<p>None recorded.</p>',
    '</section>',
  );

  sections.push(
    '<section id="escalations"><h2>Escalations</h2>',
    r.escalations.length
      ? table(
          'escalations-table',
          ['Time (UTC)', 'Level', 'Name', 'Paged', 'Message'],
          r.escalations.map((e) => [
            esc(e.at),
            esc(e.level),
            esc(e.levelName),
            esc(e.people),
            esc(e.message),
          ]),
        )
      : '<p>None.</p>',
    '</section>',
  );

  sections.push(
    '<section id="failed"><h2>Failed steps</h2>',
    r.failed.length
      ? `<ul>${r.failed.map((s) => `<li>${code(s.id)} (${esc(s.phase)}) ${esc(s.title)}${s.error ? `: ${esc(s.error)}` : ''}</li>`).join('')}</ul>`
      : '<p>None.</p>',
    '</section>',
  );

  sections.push(
    '<section id="follow-ups"><h2>Follow-up items</h2>',
    r.followUps.length
      ? `<ul id="follow-up-list">${r.followUps.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`
      : '<p>None.</p>',
    '</section>',
  );

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No external resources, scripts or forms: the report must render offline and cannot phone home.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    `<title>Post-incident report: ${esc(r.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...sections,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
