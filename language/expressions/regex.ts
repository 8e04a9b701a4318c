/**
 * Linear-time regular expressions for everything a runbook (or an alert) supplies as a pattern:
 * trigger `regex`/`not_regex` matchers, `extract` rules, and CEL `matches()`.
 *
 * JavaScript's RegExp backtracks: `(a+)+$` against a 31-character label runs for minutes and, in
 * the workflow sandbox, kills the worker. RE2 (here re2js, a pure-JS port, so it also runs inside
 * the sandbox) matches in time linear in the input, and refuses the constructs that need
 * backtracking (look-around, back-references) — the validator reports those at file:line:col.
 * Patterns and inputs are bounded as well, so the linear factor stays small: a search looks at the
 * first {@link REGEX_LIMITS} characters of its input, and a whole-value (anchored) match of a longer
 * value is false.
 *
 * Pure and sandbox-safe.
 */
import { RE2JS } from 're2js';

/** Bounds on patterns and on the text they are matched against. */
export const REGEX_LIMITS = {
  /** Characters in a pattern. */
  maxPatternLength: 4096,
  /** Compiled program size (RE2 instructions): matching costs input length × this, at worst. */
  maxProgramSize: 5000,
  /** Characters of a label or expression value a pattern looks at. */
  maxValueInput: 64 * 1024,
  /** Characters of a command's output an `extract` pattern looks at (the first ones). */
  maxOutputInput: 1024 * 1024,
} as const;

/** Why a pattern was refused: `offset` is where in the pattern the problem starts, when known. */
export interface RegexProblem {
  message: string;
  offset?: number;
}

/** A compiled linear-time pattern. */
export interface LinearRegex {
  /** Whether the pattern matches somewhere in `input` (the whole of it, for an anchored pattern). */
  test(input: string): boolean;
  /** The first match and its groups (undefined for a group that did not take part), or null. */
  exec(input: string): (string | undefined)[] | null;
}

/** How a pattern is used: fully anchored (label matchers) and/or `^`/`$` at line ends (extract). */
export interface RegexMode {
  anchored?: boolean;
  multiline?: boolean;
  /** Input characters looked at (default {@link REGEX_LIMITS.maxValueInput}). */
  maxInput?: number;
}

/** A pattern RE2 cannot compile, or one over the limits. */
export class RegexRefused extends Error {
  readonly offset?: number;
  constructor(problem: RegexProblem) {
    super(problem.message);
    this.name = 'RegexRefused';
    if (problem.offset !== undefined) this.offset = problem.offset;
  }
}

function problemOf(pattern: string, err: unknown): RegexProblem {
  const e = err as { error?: unknown; input?: unknown; message?: unknown };
  const what = typeof e.error === 'string' ? e.error : String(e.message ?? err);
  const near = typeof e.input === 'string' && e.input !== '' ? e.input : undefined;
  const offset = near !== undefined ? pattern.indexOf(near) : -1;
  const hint = /perl syntax|escape sequence/i.test(what)
    ? ' (look-around and back-references need backtracking; patterns here run in linear time)'
    : '';
  return {
    message: `${what}${near !== undefined ? `: \`${near}\`` : ''}${hint}`,
    ...(offset >= 0 ? { offset } : {}),
  };
}

function compileRaw(pattern: string, mode: RegexMode): RE2JS {
  if (pattern.length > REGEX_LIMITS.maxPatternLength) {
    throw new RegexRefused({
      message: `pattern is ${pattern.length} characters; at most ${REGEX_LIMITS.maxPatternLength} are allowed`,
    });
  }
  let re: RE2JS;
  try {
    const source = mode.anchored ? `^(?:${pattern})$` : pattern;
    re = RE2JS.compile(source, mode.multiline ? RE2JS.MULTILINE : 0);
  } catch (err) {
    // Report against the author's pattern, not the anchored wrapper around it.
    try {
      RE2JS.compile(pattern);
    } catch (inner) {
      throw new RegexRefused(problemOf(pattern, inner));
    }
    throw new RegexRefused(problemOf(pattern, err));
  }
  const size = re.programSize();
  if (size > REGEX_LIMITS.maxProgramSize) {
    throw new RegexRefused({
      message: `pattern compiles to ${size} instructions; at most ${REGEX_LIMITS.maxProgramSize} are allowed (use smaller repeat counts)`,
    });
  }
  return re;
}

/** Static check for the validator: undefined when the pattern is accepted. */
export function checkRegex(pattern: string, mode: RegexMode = {}): RegexProblem | undefined {
  try {
    compileRaw(pattern, mode);
    return undefined;
  } catch (err) {
    return err instanceof RegexRefused
      ? { message: err.message, ...(err.offset !== undefined ? { offset: err.offset } : {}) }
      : { message: String(err) };
  }
}

const cache = new Map<string, LinearRegex>();
const MAX_CACHED = 1000;

/** Compiles `pattern` (cached); throws {@link RegexRefused} for one RE2 cannot run or over the limits. */
export function linearRegex(pattern: string, mode: RegexMode = {}): LinearRegex {
  const key = `${mode.anchored ? 'a' : '-'}${mode.multiline ? 'm' : '-'}${mode.maxInput ?? ''}\u0000${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const re = compileRaw(pattern, mode);
  const limit = mode.maxInput ?? REGEX_LIMITS.maxValueInput;
  const cap = (s: string) => (s.length > limit ? s.slice(0, limit) : s);
  const compiled: LinearRegex = {
    // A whole-value match cannot be decided on a prefix: an over-long value matches nothing.
    test: (input) => (mode.anchored && input.length > limit ? false : re.test(cap(input))),
    exec: (input) => {
      const m = re.exec(cap(input)) as (string | undefined)[] | null;
      return m ? Array.from(m) : null;
    },
  };
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, compiled);
  return compiled;
}
