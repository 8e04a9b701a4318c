/**
 * Self-contained HTML drawing of the report layout: inline CSS, no scripts, no external
 * resources (a CSP meta tag forbids them), so it reads the same in a mail client and a browser.
 * Every text is HTML-escaped: alert labels and command output are hostile data.
 */
import { safeHttpUrl } from './format';
import { drawText } from './layout';
import type { Block, Mark, ReportLayout, Section, Text } from './layout';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function esc(text: string): string {
  return HTML_SPECIAL.test(text) ? text.replace(HTML_SPECIAL_ALL, (c) => `&#${c.charCodeAt(0)};`) : text;
}

const HTML_SPECIAL = /[&<>"'`]/u;
const HTML_SPECIAL_ALL = /[&<>"'`]/gu;

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

function html(text: Text): string {
  return drawText(text, esc, mark);
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

function mark(m: Mark): string {
  switch (m.kind) {
    case 'code':
      return code(m.text);
    case 'emphasis':
      return `<strong>${esc(m.text)}</strong>`;
    case 'status':
      return `<span class="badge s-${esc(m.status.replace(/[^a-z_]/gu, ''))}">${esc(m.status)}</span>`;
    case 'outcome':
      return `<span class="badge ${m.ok ? 'ok' : 'bad'}">${esc(m.label)}</span>${m.detail ? ` ${esc(m.detail)}` : ''}`;
    case 'time':
      return `<time datetime="${esc(m.at)}">${esc(m.at)}</time>`;
    case 'aside':
      return `<span class="muted">${html(m.text)}</span>`;
    case 'link':
      return link(m.label, m.url);
    case 'lines':
      return (
        esc(m.first) +
        (m.more.length ? `<ul class="details">${m.more.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>` : '')
      );
  }
}

const TABLE_ATTRS = 'border="1" cellpadding="4" cellspacing="0"';

function table(b: Extract<Block, { kind: 'table' }>): string {
  if (b.rows.length === 0 && b.empty !== undefined) return `<p>${esc(b.empty)}</p>`;
  const head = `<tr>${b.columns.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr>`;
  const body = b.rows
    .map((row, i) => {
      const kind = b.rowKinds?.[i];
      const attrs = kind === undefined ? '' : ` data-kind="${esc(kind)}"`;
      return `<tr${attrs}>${row.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table id="${b.id}" ${TABLE_ATTRS}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function fields(b: Extract<Block, { kind: 'fields' }>): string {
  if (b.style === 'bullets') {
    return `<ul>${b.fields.map(([label, value]) => `<li>${esc(label)}: ${html(value)}</li>`).join('')}</ul>`;
  }
  const body = b.fields
    .map(([label, value]) => `<tr><th scope="row">${esc(label)}</th><td>${html(value)}</td></tr>`)
    .join('\n');
  return `<table class="kv" id="${b.id ?? ''}" ${TABLE_ATTRS}>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function excerpt(b: Extract<Block, { kind: 'excerpt' }>): string {
  const parts = [`<div class="host"><strong>${esc(b.name)}</strong>: ${mark(b.outcome)} ${html(b.facts)}`];
  for (const out of b.outputs) {
    parts.push(`<div class="muted">${esc(out.label)}:</div><pre>${esc(out.text)}</pre>`);
  }
  parts.push('</div>');
  return parts.join('\n');
}

/** A block as lines of HTML. */
function block(b: Block): string[] {
  switch (b.kind) {
    case 'fields':
      return [fields(b)];
    case 'table':
      return [table(b)];
    case 'list': {
      if (b.items.length === 0) return [`<p>${esc(b.empty)}</p>`];
      const id = b.id === undefined ? '' : ` id="${b.id}"`;
      return [`<ul${id}>${b.items.map((item) => `<li>${html(item)}</li>`).join('')}</ul>`];
    }
    case 'excerpt':
      return [excerpt(b)];
    case 'subsection':
      return [`<h3>${html(b.title)}</h3>`, ...b.blocks.flatMap(block)];
    case 'card':
      return [
        `<div class="step" data-step="${esc(b.step)}">`,
        `<h3>${html(b.title)}</h3>`,
        ...b.blocks.flatMap(block),
        '</div>',
      ];
  }
}

function section(s: Section): string[] {
  const lines = s.blocks.flatMap(block);
  const open = `<section id="${s.id}"><h2>${esc(s.title)}</h2>`;
  // A subsection that opens the section shares the line of the section's heading.
  if (s.blocks[0]?.kind === 'subsection') lines[0] = open + lines[0];
  else lines.unshift(open);
  lines.push('</section>');
  return lines;
}

/** Draws the layout as one self-contained HTML document (deterministic: same layout → same bytes). */
export function htmlFromLayout(layout: ReportLayout): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No external resources, scripts or forms: the report must render offline and cannot phone home.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    `<title>${html(layout.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${html(layout.title)}</h1>`,
    `<p class="sub">${html(layout.intro)}</p>`,
    ...layout.sections.flatMap(section),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
