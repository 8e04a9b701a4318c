/**
 * `{{ expr }}` templates: parsed once at compile time, rendered at run time by the workflow.
 * Pure and sandbox-safe.
 */
import type { RenderedHostPart } from '../../contracts/commands';
import type { ExpressionContext, Template, TemplatePart } from '../../contracts/plan';
import { evaluateValue, fromCel } from './cel';
import { TemplateError } from './errors';
import { secretEnvName, shellQuote } from './quote';

const SECRET_REF = /^secrets\.([A-Za-z_][A-Za-z0-9_-]*)$/;

/** Index of the `}}` closing an expression that starts at `from`, skipping CEL string literals. */
function findClose(src: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < src.length; i++) {
    const ch = src[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '}' && src[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}

/**
 * Splits `src` into literal, expression and secret parts. `{{ secrets.NAME }}` becomes a secret
 * reference (never a value). `\{{` is a literal `{{` (for Go templates handed to tools, e.g.
 * `docker stats --format '\{{.Name}}'`); a `}}` outside an expression is always literal. Throws a
 * {@link TemplateError} with the offset of the offending `{{` when it is never closed or holds
 * nothing.
 */
export function parseTemplate(src: string, mode: 'shell' | 'text'): Template {
  const parts: TemplatePart[] = [];
  let lit = '';
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      lit += src.slice(i);
      break;
    }
    if (open > 0 && src[open - 1] === '\\') {
      lit += src.slice(i, open - 1) + '{{';
      i = open + 2;
      continue;
    }
    lit += src.slice(i, open);
    const close = findClose(src, open + 2);
    if (close < 0)
      throw new TemplateError(`unclosed "{{" at offset ${open} in template ${JSON.stringify(src)}`, open);
    const expr = src.slice(open + 2, close).trim();
    if (expr === '')
      throw new TemplateError(`empty "{{ }}" at offset ${open} in template ${JSON.stringify(src)}`, open);
    if (lit) parts.push({ lit });
    lit = '';
    const secret = SECRET_REF.exec(expr);
    parts.push(secret?.[1] ? { secret: secret[1] } : { expr });
    i = close + 2;
  }
  if (lit) parts.push({ lit });
  return { mode, parts };
}

/** A template that is one literal (what the compiler uses for author-written constant text). */
export function literalTemplate(text: string, mode: 'shell' | 'text'): Template {
  return { mode, parts: text ? [{ lit: text }] : [] };
}

/** CEL expressions used by a template, in order. */
export function templateExpressions(t: Template): string[] {
  return t.parts.flatMap((p) => ('expr' in p ? [p.expr] : []));
}

/** Secret names a template references, without duplicates. */
export function templateSecrets(t: Template): string[] {
  const names: string[] = [];
  for (const p of t.parts) if ('secret' in p && !names.includes(p.secret)) names.push(p.secret);
  return names;
}

/** A value as text: strings verbatim, scalars printed, containers as JSON, null as empty. */
export function valueToString(value: unknown): string {
  const v = fromCel(value);
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * Renders a text template into its pieces: author text as written, and each expression's value
 * with the expression that produced it (the target resolver tells the two apart). A secret
 * renders as a marker, as in text mode.
 */
export function renderTemplateParts(t: Template, ctx: ExpressionContext): RenderedHostPart[] {
  const vars = ctx as unknown as Record<string, unknown>;
  return t.parts.map((part) => {
    if ('lit' in part) return { lit: part.lit };
    if ('secret' in part) return { lit: `[secret ${part.secret}]` };
    return { value: valueToString(evaluateValue(part.expr, vars)), expr: part.expr };
  });
}

/**
 * Renders a template. Shell mode: every expression value is shell-quoted — always, whatever its
 * type — and secrets become `"$FIREBREAK_SECRET_<NAME>"`, filled in by the activity on the
 * target so the value never enters history. Text mode: values inserted as plain text; a secret is
 * never shown, only a marker.
 */
export function renderTemplate(t: Template, ctx: ExpressionContext): string {
  const vars = ctx as unknown as Record<string, unknown>;
  let out = '';
  for (const part of t.parts) {
    if ('lit' in part) out += part.lit;
    else if ('secret' in part)
      out += t.mode === 'shell' ? `"$${secretEnvName(part.secret)}"` : `[secret ${part.secret}]`;
    else {
      const text = valueToString(evaluateValue(part.expr, vars));
      out += t.mode === 'shell' ? shellQuote(text) : text;
    }
  }
  return out;
}
