/**
 * CEL evaluation for `when:` conditions, `success:` checks and `{{ … }}` template parts.
 *
 * Pure and sandbox-safe: imported by the incident workflow. Each expression is parsed once per
 * environment and cached by its source string, so a workflow replay pays for parsing once.
 *
 * Numbers: CEL keeps int and double apart (`1.5 * 2` has no overload) while JSON has only one
 * number type. Context values that are whole, safe JS numbers become CEL ints, everything else
 * stays a double; comparisons between the two work natively, so
 * `steps.db.values.active > 90` and `exitCode == 0` read naturally. Results come back with ints
 * turned into JS numbers, so they are JSON-safe for workflow history.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { ExpressionContext } from '../../contracts/plan';
import { literalPatternProblem, registerLinearMatches, useLinearMatches } from './cel-matches';
import { ExpressionError } from './errors';
import { hostOf, portOf, shortHostOf } from './hosts';

/** Root names a `when:` condition or a template may use. */
export const CONDITION_ROOTS: readonly string[] = Object.freeze([
  'labels',
  'annotations',
  'alert',
  'vars',
  'incident',
  'steps',
]);
/** Root names a step's `success:` expression may use (one host's result). */
export const SUCCESS_ROOTS: readonly string[] = Object.freeze(['exitCode', 'stdout', 'stderr', 'values']);

/** Host result a `success:` expression is evaluated against. */
export interface HostResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  values: Record<string, unknown>;
}

type Parsed = ReturnType<Environment['parse']>;

interface CachedEnv {
  env: Environment;
  parsed: Map<string, Parsed>;
}

/** Bound on cached parses per environment; a runbook library has a few hundred expressions. */
const MAX_CACHED = 2000;
const envs = new Map<string, CachedEnv>();

/**
 * Functions for the address shapes exporters put in labels, available in every expression (see
 * hosts.ts and the README's "Targets" section).
 */
export const ADDRESS_FUNCTIONS: Readonly<Record<'hostOf' | 'portOf' | 'shortHostOf', string>> = {
  hostOf: 'hostOf(string): string',
  portOf: 'portOf(string): dyn',
  shortHostOf: 'shortHostOf(string): string',
};

function registerAddressFunctions(env: Environment): void {
  env.registerFunction(ADDRESS_FUNCTIONS.hostOf, (s: string) => hostOf(s));
  env.registerFunction(ADDRESS_FUNCTIONS.portOf, (s: string) => {
    const p = portOf(s);
    return p === null ? null : BigInt(p);
  });
  env.registerFunction(ADDRESS_FUNCTIONS.shortHostOf, (s: string) => shortHostOf(s));
}

/** The environment of each roots array seen (the constant ones are asked for per expression). */
const envsByRoots = new WeakMap<readonly string[], CachedEnv>();

function environmentFor(roots: readonly string[]): CachedEnv {
  const known = envsByRoots.get(roots);
  if (known) return known;
  const env = environmentNamed(roots);
  // Only frozen arrays: a caller's array could change its names after this.
  if (Object.isFrozen(roots)) envsByRoots.set(roots, env);
  return env;
}

function environmentNamed(roots: readonly string[]): CachedEnv {
  const key = [...roots].sort().join(',');
  let cached = envs.get(key);
  if (!cached) {
    const env = new Environment({ homogeneousAggregateLiterals: false });
    for (const root of roots) env.registerVariable(root, 'dyn');
    registerLinearMatches(env);
    registerAddressFunctions(env);
    cached = { env, parsed: new Map() };
    envs.set(key, cached);
  }
  return cached;
}

function errorOffset(err: unknown): number | undefined {
  const e = err as { node?: { pos?: unknown; start?: unknown }; range?: { start?: unknown } };
  const pos = e?.node?.pos ?? e?.node?.start ?? e?.range?.start;
  return typeof pos === 'number' ? pos : undefined;
}

function errorSummary(err: unknown): string {
  const e = err as { summary?: unknown; message?: unknown };
  if (typeof e?.summary === 'string' && e.summary) return e.summary;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return message.split('\n')[0] ?? message;
}

/** Turns the library's messages into ones that name the offending value and suggest the fix. */
function explain(summary: string, roots: readonly string[]): string {
  const unknownVar = /^Unknown variable: (.+)$/.exec(summary);
  if (unknownVar) return `unknown name "${unknownVar[1]}" (known: ${roots.join(', ')})`;
  const noKey = /^No such key: (.+)$/.exec(summary);
  if (noKey) return `no such key "${noKey[1]}" (guard optional values with has(), e.g. has(steps.x))`;
  return summary;
}

function parseCached(expr: string, roots: readonly string[]): Parsed {
  const cached = environmentFor(roots);
  let parsed = cached.parsed.get(expr);
  if (!parsed) {
    try {
      parsed = cached.env.parse(expr);
    } catch (err) {
      throw new ExpressionError(
        `invalid expression ${JSON.stringify(expr)}: ${explain(errorSummary(err), roots)}`,
        expr,
        errorOffset(err),
      );
    }
    useLinearMatches(parsed.ast);
    if (cached.parsed.size >= MAX_CACHED) cached.parsed.clear();
    cached.parsed.set(expr, parsed);
  }
  return parsed;
}

/** Whole safe JS numbers become CEL ints; containers are converted deeply. */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k] = toCel(v);
    }
    return out;
  }
  return value;
}

/** CEL results back to JSON-safe JS: ints → numbers, maps → objects, timestamps → ISO strings. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = fromCel(v);
    return out;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Array.from(value);
  if (value !== null && typeof value === 'object') {
    if (Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = fromCel(v);
      return out;
    }
    return String(value);
  }
  return value;
}

function run(expr: string, roots: readonly string[], ctx: Record<string, unknown>): unknown {
  const parsed = parseCached(expr, roots);
  const celCtx: Record<string, unknown> = {};
  for (const root of roots) celCtx[root] = toCel(ctx[root] ?? null);
  let result: unknown;
  try {
    result = parsed(celCtx);
  } catch (err) {
    throw new ExpressionError(
      `expression ${JSON.stringify(expr)} failed: ${explain(errorSummary(err), roots)}`,
      expr,
      errorOffset(err),
    );
  }
  return result;
}

function asBool(expr: string, result: unknown): boolean {
  if (typeof result !== 'boolean') {
    const shown =
      typeof result === 'bigint' ? `int ${result}` : `${typeof result} ${JSON.stringify(fromCel(result))}`;
    throw new ExpressionError(`expression ${JSON.stringify(expr)} must produce a bool, got ${shown}`, expr);
  }
  return result;
}

/** Evaluates a `when:` condition against the incident's context; it must produce a bool. */
export function evaluateCondition(expr: string, ctx: ExpressionContext): boolean {
  return asBool(expr, run(expr, CONDITION_ROOTS, ctx as unknown as Record<string, unknown>));
}

/**
 * Evaluates an expression whose top-level names are the keys of `vars` (for templates, pass the
 * {@link ExpressionContext}); the result is JSON-safe (ints as numbers).
 */
export function evaluateValue(expr: string, vars: Record<string, unknown>): unknown {
  return fromCel(run(expr, Object.keys(vars), vars));
}

/** Evaluates a step's `success:` expression over one host's result. */
export function evaluateSuccess(expr: string, host: HostResult): boolean {
  return asBool(expr, run(expr, SUCCESS_ROOTS, host as unknown as Record<string, unknown>));
}

/** Result of {@link checkExpression}: `offset` is within the expression source. */
export type CheckResult = { ok: true } | { ok: false; message: string; offset?: number };

/**
 * Static check for the validator: syntax, and that every free name is one of `knownRoots`
 * (macro-bound names such as `x` in `list.exists(x, …)` are understood).
 */
export function checkExpression(expr: string, knownRoots: readonly string[]): CheckResult {
  const key = `${knownRoots.join(',')}\u0000${expr}`;
  const cached = checkCache.get(key);
  if (cached) return cached;
  const result = checkUncached(expr, knownRoots);
  if (checkCache.size >= MAX_CACHED) checkCache.clear();
  checkCache.set(key, result);
  return result;
}

const checkCache = new Map<string, CheckResult>();

function checkUncached(expr: string, knownRoots: readonly string[]): CheckResult {
  if (expr.trim() === '') return { ok: false, message: 'empty expression', offset: 0 };
  const { env } = environmentFor(knownRoots);
  let result: ReturnType<Environment['check']>;
  try {
    result = env.check(expr);
  } catch (err) {
    return withOffset(explain(errorSummary(err), knownRoots), errorOffset(err));
  }
  if (result.valid) {
    const problem = literalPatternProblem(env.parse(expr).ast);
    return problem ? withOffset(problem.message, problem.offset) : { ok: true };
  }
  return withOffset(explain(errorSummary(result.error), knownRoots), errorOffset(result.error));
}

function withOffset(message: string, offset: number | undefined): CheckResult {
  return offset === undefined ? { ok: false, message } : { ok: false, message, offset };
}

interface AstLike {
  op: string;
  args: unknown;
}

function isAst(value: unknown): value is AstLike {
  return value !== null && typeof value === 'object' && typeof (value as { op?: unknown }).op === 'string';
}

/**
 * Step ids an expression reads through `steps.<id>` or `steps["<id>"]`, in order of first use.
 * Returns [] for an expression that does not parse (the validator reports that separately).
 */
export function referencedSteps(expr: string): string[] {
  return referencedKeys(expr, 'steps');
}

/** Visits every AST node of a parsed expression (explicit stack: deep nesting cannot overflow). */
function walk(expr: string, visit: (node: AstLike) => void): void {
  let parsed: Parsed;
  try {
    parsed = parseCached(expr, CONDITION_ROOTS);
  } catch {
    return;
  }
  const stack: unknown[] = [parsed.ast];
  let guard = 0;
  while (stack.length > 0 && guard++ < 100_000) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    if (!isAst(node)) continue;
    visit(node);
    if (Array.isArray(node.args)) stack.push(...[...(node.args as unknown[])].reverse());
    else if (isAst(node.args)) stack.push(node.args);
  }
}

/** The root name and key a member access reads (`root.key`, `root["key"]`), if it is one. */
function memberOf(node: AstLike): { root: string; key: string } | undefined {
  if (!(node.op === '.' || node.op === '.?' || node.op === '[]' || node.op === '[?]')) return undefined;
  if (!Array.isArray(node.args)) return undefined;
  const [base, key] = node.args as unknown[];
  if (!isAst(base) || base.op !== 'id' || typeof base.args !== 'string') return undefined;
  if (typeof key === 'string') return { root: base.args, key };
  if (isAst(key) && key.op === 'value' && typeof key.args === 'string')
    return { root: base.args, key: key.args };
  return undefined;
}

/** What an expression reads under each root name, and what it guards with `has()`. */
interface KeyUse {
  /** Root → keys read directly under it, in order of first use. */
  read: Map<string, string[]>;
  /** Root → keys tested with `has(root.key)`. */
  guarded: Map<string, Set<string>>;
}

/** One walk per expression answers every root (the validator asks for vars, steps and labels). */
const keyUses = new Map<string, KeyUse>();

function keyUse(expr: string): KeyUse {
  const cached = keyUses.get(expr);
  if (cached) return cached;
  const use: KeyUse = { read: new Map(), guarded: new Map() };
  walk(expr, (node) => {
    const member = memberOf(node);
    if (member) {
      const keys = use.read.get(member.root) ?? [];
      if (!keys.includes(member.key)) keys.push(member.key);
      use.read.set(member.root, keys);
      return;
    }
    if (node.op !== 'call' || !Array.isArray(node.args) || node.args[0] !== 'has') return;
    const [arg] = (node.args[1] as unknown[] | undefined) ?? [];
    const guard = isAst(arg) ? memberOf(arg) : undefined;
    if (guard) use.guarded.set(guard.root, (use.guarded.get(guard.root) ?? new Set()).add(guard.key));
  });
  if (keyUses.size >= MAX_CACHED) keyUses.clear();
  keyUses.set(expr, use);
  return use;
}

/** Keys an expression reads directly under a root name (`vars.x` → `x`), in order of first use. */
export function referencedKeys(expr: string, root: string): string[] {
  return [...(keyUse(expr).read.get(root) ?? [])];
}

/** Keys an expression tests with `has(root.key)` somewhere (a guard against a missing key). */
export function guardedKeys(expr: string, root: string): Set<string> {
  return new Set(keyUse(expr).guarded.get(root));
}
