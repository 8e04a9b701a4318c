/**
 * The report as a list of sections, each described once: its title and its blocks (key/value
 * fields, tables with their columns, lists, preformatted excerpts), built from the model. The
 * Markdown and HTML renderers only know how to draw each kind of block and mark, so both always
 * show the same sections, columns and rows.
 */

/** Text with a meaning each renderer draws its own way. */
export type Mark =
  /** Identifiers, commands, URLs: a code span. */
  | { kind: 'code'; text: string }
  /** Bold in HTML; plain in Markdown, where only the headline status is bold. */
  | { kind: 'emphasis'; text: string }
  /** A status word: a coloured badge in HTML; plain in Markdown, bold when `headline`. */
  | { kind: 'status'; status: string; headline?: boolean }
  /** A result: a green or red badge in HTML, its detail after it; `label: detail` in Markdown. */
  | { kind: 'outcome'; ok: boolean; label: string; detail?: string }
  /** A timestamp (a `<time>` element in HTML). */
  | { kind: 'time'; at: string }
  /** A remark, greyed out in HTML. */
  | { kind: 'aside'; text: Text }
  /** A link; only an http(s) URL becomes clickable, and never in Markdown (hostile URLs). */
  | { kind: 'link'; label: string; url: string }
  /** A line with details under it: `<br>`-separated in Markdown, a sub-list in HTML. */
  | { kind: 'lines'; first: string; more: readonly string[] };

/** Running text: plain strings (each renderer escapes them) and marks, drawn in order. */
export type Text = string | Mark | readonly (string | Mark)[];

/** A fixed label (written as is in Markdown) and its value. */
export type Field = readonly [label: string, value: Text];

/** One program output shown verbatim, with what it is. */
export interface Output {
  /** `stdout`, with a note of what the excerpt left out. */
  label: string;
  text: string;
}

/** A part of a section. */
export type Block =
  /** Key/value facts: a two-column table, or a bullet list of `label: value`. */
  | { kind: 'fields'; id?: string; style: 'table' | 'bullets'; fields: readonly Field[] }
  /** A table; `empty` replaces it when it has no rows (none: the header alone is drawn). */
  | {
      kind: 'table';
      id: string;
      columns: readonly string[];
      rows: readonly (readonly Text[])[];
      /** What each row records (HTML `data-kind`), when rows differ in kind. */
      rowKinds?: readonly string[];
      empty?: string;
    }
  /** A bullet list (a checklist of open items when `checklist`); `empty` when it has no items. */
  | { kind: 'list'; id?: string; items: readonly Text[]; checklist?: boolean; empty: string }
  /** A command's result on one host and its output, preformatted. */
  | {
      kind: 'excerpt';
      /** What the output came from (`host`), and its name. */
      what: string;
      name: string;
      outcome: Mark;
      facts: Text;
      outputs: readonly Output[];
    }
  /** A titled group of blocks under its section. */
  | { kind: 'subsection'; title: Text; blocks: readonly Block[] }
  /** One step's facts and results, kept together (a box in HTML). */
  | { kind: 'card'; step: string; title: Text; blocks: readonly Block[] };

/** A top-level section: `id` anchors it in HTML. */
export interface Section {
  id: string;
  title: string;
  blocks: readonly Block[];
}

/** The whole report: its title, the line under it, and its sections in order. */
export interface ReportLayout {
  title: Text;
  intro: Text;
  sections: readonly Section[];
}

/** A table column: its header and what each row shows in it. */
export interface Column<T> {
  title: string;
  cell: (row: T) => Text;
}

/** A table block from rows and the columns that read them. */
export function table<T>(
  id: string,
  columns: readonly Column<T>[],
  rows: readonly T[],
  extra: { empty?: string; rowKind?: (row: T) => string } = {},
): Block {
  const block: Block = {
    kind: 'table',
    id,
    columns: columns.map((c) => c.title),
    rows: rows.map((r) => columns.map((c) => c.cell(r))),
  };
  if (extra.rowKind) block.rowKinds = rows.map(extra.rowKind);
  if (extra.empty !== undefined) block.empty = extra.empty;
  return block;
}

/** A code span. */
export function code(text: string): Mark {
  return { kind: 'code', text };
}

/**
 * Draws running text: `plain` escapes each string, `mark` draws each mark, in order. Both
 * renderers draw text through here, so they only differ in how they escape and mark.
 */
export function drawText(text: Text, plain: (s: string) => string, mark: (m: Mark) => string): string {
  if (typeof text === 'string') return plain(text);
  if (!isParts(text)) return mark(text);
  let out = '';
  for (const part of text) out += typeof part === 'string' ? plain(part) : mark(part);
  return out;
}

function isParts(text: Text): text is readonly (string | Mark)[] {
  return Array.isArray(text);
}
