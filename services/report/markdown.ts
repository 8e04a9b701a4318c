/**
 * Markdown drawing of the report layout. Alert labels and command output are hostile data: every
 * text is backslash-escaped so it cannot open links, images, HTML or break a table.
 */
import { drawText } from './layout';
import type { Block, Mark, ReportLayout, Text } from './layout';

/** Escapes Markdown (CommonMark + GFM tables) punctuation and flattens line breaks. */
export function mdText(text: string): string {
  // One pass, and none for the common text with nothing to escape (the report is mostly such).
  if (!MD_SPECIAL.test(text)) return text;
  return text.replace(MD_SPECIAL_ALL, (c) => (c.endsWith('\n') ? ' ' : `\\${c}`));
}

const MD_SPECIAL = /[\\`*_[\]<>|#~&\n]/u;
const MD_SPECIAL_ALL = /[\\`*_[\]<>|#~&]|\r?\n/gu;

/** An inline code span that survives backticks and pipes inside the text and stays on one line. */
export function mdCode(text: string): string {
  const flat = text.replace(/\r?\n/gu, ' ⏎ ').replace(/\|/gu, '\\|');
  if (flat === '') return '';
  const longest = Math.max(0, ...(flat.match(/`+/gu) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced block, its fence longer than any backtick run in the content. */
function mdBlock(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/gu) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

function md(text: Text): string {
  return drawText(text, mdText, mark);
}

function mark(m: Mark): string {
  switch (m.kind) {
    case 'code':
      return mdCode(m.text);
    case 'emphasis':
      return mdText(m.text);
    case 'status':
      return m.headline ? `**${mdText(m.status)}**` : mdText(m.status);
    case 'outcome':
      return `${mdText(m.label)}${m.detail ? `: ${mdText(m.detail)}` : ''}`;
    case 'time':
      return mdText(m.at);
    case 'aside':
      return md(m.text);
    case 'link':
      // Shown as code, not a Markdown link: a hostile URL must not become clickable markup.
      return `${mdText(m.label)}: ${mdCode(m.url)}`;
    case 'lines':
      return [m.first, ...m.more].map(mdText).join('<br>');
  }
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map((c) => (c === '' ? ' ' : c)).join(' | ')} |`);
  return lines.join('\n');
}

function excerpt(b: Extract<Block, { kind: 'excerpt' }>): string {
  const parts = [`- ${b.what} ${mdCode(b.name)}: ${mark(b.outcome)}, ${md(b.facts)}`];
  for (const out of b.outputs) {
    const block = mdBlock(out.text)
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
    parts.push('', `  ${out.label}:`, '', block);
  }
  return parts.join('\n');
}

/** One block as Markdown text (without the blank line that follows every block). */
function block(b: Block): string {
  switch (b.kind) {
    case 'fields':
      return b.style === 'table'
        ? table(
            ['Field', 'Value'],
            b.fields.map(([label, value]) => [label, md(value)]),
          )
        : b.fields.map(([label, value]) => `- ${label}: ${md(value)}`).join('\n');
    case 'table':
      if (b.rows.length === 0 && b.empty !== undefined) return b.empty;
      return table(
        b.columns,
        b.rows.map((row) => row.map(md)),
      );
    case 'list': {
      const bullet = b.checklist ? '- [ ] ' : '- ';
      return b.items.length ? b.items.map((item) => bullet + md(item)).join('\n') : b.empty;
    }
    case 'excerpt':
      return excerpt(b);
    case 'subsection':
      return [`### ${md(b.title)}`, ...b.blocks.flatMap((inner) => ['', block(inner)])].join('\n');
    case 'card':
      // A card's parts follow one another without blank lines, so the step reads as one unit.
      return [`### ${md(b.title)}`, '', ...b.blocks.map(block)].join('\n');
  }
}

/** Draws the layout as GitHub-flavoured Markdown (deterministic: same layout → same bytes). */
export function markdownFromLayout(layout: ReportLayout): string {
  const out = [`# ${md(layout.title)}`, '', md(layout.intro), ''];
  for (const section of layout.sections) {
    out.push(`## ${section.title}`, '');
    for (const b of section.blocks) out.push(block(b), '');
  }
  return out.join('\n');
}
