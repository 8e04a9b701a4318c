/**
 * Server-side HTML with escaping by default: `html\`<p>${value}</p>\`` escapes every interpolated
 * value unless it is itself {@link Html} (a fragment built the same way). Arrays are joined, and
 * `undefined`, `null` and `false` render as nothing, so conditionals read naturally. There is no
 * other way to put markup into a page, so an alert label can never become markup.
 */
const SAFE: unique symbol = Symbol('firebreak.html');

/** A fragment of markup that is safe to send: every value in it was escaped. */
export interface Html {
  readonly [SAFE]: true;
  readonly text: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeText(s: string): string {
  return s.replace(/[&<>"'`]/gu, (c) => ESCAPES[c] ?? c);
}

function isHtml(v: unknown): v is Html {
  return typeof v === 'object' && v !== null && (v as Partial<Html>)[SAFE] === true;
}

function piece(v: unknown): string {
  if (v === undefined || v === null || v === false) return '';
  if (isHtml(v)) return v.text;
  if (Array.isArray(v)) return v.map(piece).join('');
  return escapeText(String(v));
}

/** Tagged template: literal parts as written, every value escaped (unless it is {@link Html}). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) text += piece(values[i]) + (strings[i + 1] ?? '');
  return { [SAFE]: true, text };
}

/** Markup the code itself wrote (constants only: never a value from a request, an alert or a command). */
export function trusted(text: string): Html {
  return { [SAFE]: true, text };
}
