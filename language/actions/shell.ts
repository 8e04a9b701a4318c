/**
 * Building shell command templates from action parameters. A parameter value is author text that
 * may embed `{{ … }}` expressions; whatever it renders to, it must reach the shell as exactly one
 * quoted word. So literal parts are single-quoted here, at compile time, and expression parts are
 * quoted by {@link renderTemplate} at run time; adjacent quoted strings join into one word.
 */
import { parseTemplate, shellQuote } from '../expressions';
import type { Template, TemplatePart } from '../../contracts/plan';

/** A fragment of a command under construction. */
export type Piece = { raw: string } | { word: string } | { secret: string } | { template: string };

/** Author-written shell text, used verbatim. */
export const raw = (text: string): Piece => ({ raw: text });
/** A parameter value (possibly templated) that becomes one quoted shell word. */
export const word = (value: string | number | boolean): Piece => ({ word: String(value) });

/** A secret reference, rendered as `"$FIREBREAK_SECRET_<NAME>"` on the target. */
export const secret = (name: string): Piece => ({ secret: name });
/** Author-written shell text with `{{ … }}` expressions (each rendered quoted). */
export const template = (text: string): Piece => ({ template: text });

/** Template parts that render `value` as a single shell word. */
export function wordParts(value: string): TemplatePart[] {
  const t = parseTemplate(value, 'shell');
  if (t.parts.length === 0) return [{ lit: "''" }];
  return t.parts.map((p) => ('lit' in p ? { lit: shellQuote(p.lit) } : p));
}

/** Joins pieces into a shell template, merging adjacent literals. */
export function command(...pieces: Piece[]): Template {
  const parts: TemplatePart[] = [];
  const push = (p: TemplatePart): void => {
    const last = parts[parts.length - 1];
    if ('lit' in p && last && 'lit' in last) last.lit += p.lit;
    else parts.push({ ...p });
  };
  for (const piece of pieces) {
    if ('raw' in piece) {
      if (piece.raw) push({ lit: piece.raw });
    } else if ('secret' in piece) {
      push({ secret: piece.secret });
    } else if ('template' in piece) {
      for (const p of parseTemplate(piece.template, 'shell').parts) push(p);
    } else {
      for (const p of wordParts(piece.word)) push(p);
    }
  }
  return { mode: 'shell', parts };
}

/**
 * `name=<quoted value>` assignment lines, so each command body below reads `"$name"` and a
 * parameter's text appears once, quoted, at the top.
 */
export function assign(vars: Record<string, string | number | boolean | undefined>): Piece[] {
  const out: Piece[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) continue;
    out.push(raw(`${name}=`), word(value), raw('\n'));
  }
  return out;
}

/** Parses `10m`, `30s`, `1h`, `2d`, `500ms` into milliseconds (the schema has checked the shape). */
export function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration "${text}" (expected e.g. 30s, 10m, 1h)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return n * unit;
}

export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$';

/**
 * Shell that refuses a value no built-in should ever pass on: empty, or starting with `-` (which
 * the tool would read as an option). `what` names the parameter in the message.
 */
export function refuseOption(variable: string, what: string): Piece {
  return raw(
    `case "$${variable}" in ""|-*) echo "refusing ${what} \\"$${variable}\\": empty or starts with -" >&2; exit 2;; esac\n`,
  );
}

/** Shell that refuses a value unless it is an absolute path (so it can never be read as an option). */
export function requireAbsolute(variable: string, what: string): Piece {
  return raw(
    `case "$${variable}" in /*) ;; *) echo "refusing ${what} \\"$${variable}\\": not an absolute path" >&2; exit 2;; esac\n`,
  );
}

/** Shell that refuses a value unless it is a TCP port number. */
export function requirePort(variable: string, what: string): Piece {
  return raw(
    `case "$${variable}" in ""|*[!0-9]*) echo "refusing ${what} \\"$${variable}\\": not a port number" >&2; exit 2;; esac\n`,
  );
}

/**
 * Shell that refuses a name (service, unit, program) unless it is plain: letters, digits and
 * `@._:-`, not starting with `-`. Names often come from alert labels.
 */
export function requireName(variable: string, what: string): Piece {
  return raw(
    `case "$${variable}" in ""|-*|*[!A-Za-z0-9@._:-]*) echo "refusing invalid ${what}: $${variable}" >&2; exit 2;; esac\n`,
  );
}

/** The literal text of a parameter, or undefined when it holds a `{{ … }}` expression. */
export function literalText(value: unknown): string | undefined {
  if (typeof value !== 'string') return typeof value === 'number' ? String(value) : undefined;
  return value.includes('{{') ? undefined : value;
}

/** A duration in whole seconds (at least `min`), e.g. for `sleep` or psql intervals. */
export function seconds(text: string, min = 1): number {
  return Math.max(min, Math.round(durationMs(text) / 1000));
}
