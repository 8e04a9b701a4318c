/**
 * The fast path of the loader. `yaml` (which we need for positions) spends about a millisecond
 * per runbook building its document model; js-yaml builds plain values about ten times faster.
 * Most runbooks are valid, and a valid runbook needs no positions, so we parse with js-yaml first
 * and keep `yaml` for when something must be pointed at.
 *
 * Both parsers must agree on every value, so js-yaml gets a schema that resolves plain scalars
 * exactly as `yaml`'s YAML 1.2 core schema does (the regular expressions are the spec's, as
 * `yaml` implements them), and anything js-yaml refuses, or any document using aliases (whose
 * expansion `yaml` bounds), goes to the slow path. test/language/fast-path.test.ts checks the
 * agreement on the library and on generated documents.
 */
import { FAILSAFE_SCHEMA, Type, load } from 'js-yaml';

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

const core12 = FAILSAFE_SCHEMA.extend({
  implicit: [
    new Type('tag:yaml.org,2002:null', {
      kind: 'scalar',
      resolve: (s: string | null) => s === null || NULL.test(s),
      construct: () => null,
    }),
    new Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (s: string) => BOOL.test(s),
      construct: (s: string) => s[0] === 't' || s[0] === 'T',
    }),
    new Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (s: string) => INT_OCT.test(s) || INT_DEC.test(s) || INT_HEX.test(s),
      construct: (s: string) =>
        INT_OCT.test(s)
          ? parseInt(s.slice(2), 8)
          : INT_HEX.test(s)
            ? parseInt(s.slice(2), 16)
            : parseInt(s, 10),
    }),
    new Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (s: string) => FLOAT_SPECIAL.test(s) || FLOAT_EXP.test(s) || FLOAT.test(s),
      construct: (s: string) => {
        if (!FLOAT_SPECIAL.test(s)) return parseFloat(s);
        if (s.slice(-3).toLowerCase() === 'nan') return NaN;
        return s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
      },
    }),
  ],
});

/**
 * Syntax the two parsers treat differently, or that `yaml` checks more strictly: explicit keys
 * (`? `), tags (`!`), directives (`%`), document markers, a comment glued to a closing bracket or
 * quote (`]#`, which `yaml` refuses), anchors and aliases (`&a`, `*a`, whose placement rules
 * differ) and collections used as keys (`[a]: b`). Runbooks have no use for any of it; a document
 * showing any of these in its structure takes the slow path. Matched against {@link structure},
 * so `!` and `?` inside quoted CEL expressions or shell scripts do not count.
 */
const EXOTIC =
  /(?:^|[\s,[{])[?!](?:\s|$|!|<)|(?:^|[\s,[{:])!\S|^%|^(?:---|\.\.\.)(?:\s|$)|[\]}"']#|(?:^|[\s,[{])[&*][^\s,[\]{}&*]|[\]}]\s*:(?:\s|$)/m;

/** Characters that make a line's structure differ from its text (quotes, comments, flow brackets). */
const SPECIAL = /["'#[\]{}]/;

/** A block scalar header ending a line: `key: |`, `- >-`, `run: |2`. */
const BLOCK_SCALAR_HEADER = /(?:^|[:-]\s)[|>][-+0-9]*\s*$/;

/**
 * The document's structure, line for line: quoted string contents become `x`, comments and block
 * scalar bodies (`run: |` scripts) are blanked. Undefined when the structure is one the fast path
 * does not take: a quoted string spanning lines, or a flow collection (`[a, b]`, `{k: v}`) whose
 * continuation lines are not indented past the line that opened it, or carry comments — `yaml`
 * refuses those, js-yaml does not. A collection opening its own line as the value of the plain
 * `key:` line above it may continue at its own indentation, past the key's (YAML's rule, and what
 * `yaml` accepts): the library writes long flow mappings that way.
 */
function structure(source: string): string | undefined {
  const out: string[] = [];
  let blockIndent = -1;
  const flow = { depth: 0 };
  let flowIndent = -1;
  let keyLine: { indent: number; text: string } | undefined;
  for (const line of source.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const blank = indent === line.length;
    if (flow.depth > 0 && !blank && indent <= flowIndent) return undefined;
    if (blockIndent >= 0) {
      if (blank || indent > blockIndent) {
        out.push('');
        continue;
      }
      blockIndent = -1;
    }
    if (flow.depth === 0) {
      const opensFlow = line[indent] === '{' || line[indent] === '[';
      flowIndent =
        opensFlow && keyLine && keyLine.indent < indent && /^[^-\s][^:]*:$/.test(keyLine.text)
          ? keyLine.indent
          : indent;
    }
    // Most lines have nothing quoted, commented or bracketed: their structure is their text.
    const text = SPECIAL.test(line) ? lineStructure(line, flow) : line;
    if (text === undefined) return undefined;
    out.push(text);
    const trimmed = text.trim();
    if (trimmed !== '') keyLine = { indent, text: trimmed };
    if (flow.depth === 0 && /[|>]/.test(text) && BLOCK_SCALAR_HEADER.test(text.trimEnd()))
      blockIndent = indent;
  }
  return flow.depth === 0 ? out.join('\n') : undefined;
}

/**
 * One line's structure (see {@link structure}), tracking flow depth; undefined to bail out.
 * Quoted contents become one `x` per character (an escape pair counts as one); everything else
 * is kept up to a comment. Built from slices of the line, not character by character.
 */
function lineStructure(line: string, flow: { depth: number }): string | undefined {
  let text = '';
  let quote = '';
  let run = 0; // start of the verbatim text not yet added
  let xs = 0; // quoted characters not yet added
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote && !(quote === "'" && line[i + 1] === "'")) {
        text += 'x'.repeat(xs) + c;
        quote = '';
        run = i + 1;
        continue;
      }
      if ((c === quote && quote === "'") || (c === '\\' && quote === '"')) i++;
      xs++;
      continue;
    }
    const prev = line[i - 1] ?? ' ';
    if ((c === '"' || c === "'") && /[\s,[{:-]/.test(prev)) {
      text += line.slice(run, i + 1);
      quote = c;
      xs = 0;
    } else if (c === '#' && /\s/.test(prev)) {
      if (flow.depth > 0) return undefined;
      return flow.depth < 0 ? undefined : text + line.slice(run, i);
    } else if (c === '[' || c === '{') flow.depth++;
    else if (c === ']' || c === '}') flow.depth--;
  }
  return quote || flow.depth < 0 ? undefined : text + line.slice(run);
}

/**
 * True when the value has a shape the parsers would build differently: a collection reachable
 * twice (an alias, whose expansion `yaml` bounds), or a `null` key (`~:` is "" for `yaml`,
 * "null" for js-yaml).
 */
function ambiguous(value: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (seen.has(v)) return true;
    seen.add(v);
    if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else {
      if (Object.prototype.hasOwnProperty.call(v, 'null')) return true;
      stack.push(...Object.values(v));
    }
  }
  return false;
}

/**
 * The document's value, or undefined when the fast path cannot vouch for it (a syntax error, a
 * duplicate key, an alias, an empty document): the caller then uses the positioned parser, which
 * reports the problem with its line and column.
 */
export function fastLoad(source: string): { value: unknown } | undefined {
  if (source.includes('\t')) return undefined;
  const shape = structure(source);
  if (shape === undefined || EXOTIC.test(shape)) return undefined;
  let value: unknown;
  try {
    value = load(source, { schema: core12, json: false });
  } catch {
    return undefined;
  }
  if (value === undefined || value === null || ambiguous(value)) return undefined;
  return { value };
}
