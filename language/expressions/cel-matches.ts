/**
 * CEL's `matches()` on the linear-time engine (regex.ts). cel-js implements `string.matches` with
 * JavaScript's backtracking RegExp and does not let an environment replace a built-in overload, so
 * each parsed expression has its `matches` calls re-pointed at {@link LINEAR_MATCHES}, registered
 * here with the same signature. The validator also checks every literal pattern up front.
 *
 * Pure and sandbox-safe.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { linearRegex, RegexRefused, checkRegex, type RegexProblem } from './regex';

/** The function `x.matches(p)` is evaluated as (an author may not need to know it exists). */
export const LINEAR_MATCHES = 'matchesLinear';

function linearMatches(value: string, pattern: string): boolean {
  try {
    return linearRegex(pattern).test(value);
  } catch (err) {
    if (err instanceof RegexRefused) {
      throw new Error(`matches(): invalid pattern ${JSON.stringify(pattern)}: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * Registers {@link LINEAR_MATCHES}, and the CEL spec's global form `matches(value, pattern)`
 * (cel-js has only the method form), both on the linear engine.
 */
export function registerLinearMatches(env: Environment): void {
  env.registerFunction(`string.${LINEAR_MATCHES}(string): bool`, linearMatches);
  env.registerFunction('matches(string, string): bool', linearMatches);
}

interface Node {
  op: string;
  args: unknown;
  pos?: number;
}

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && typeof (v as { op?: unknown }).op === 'string';
}

/** Every `x.matches(p)` call node of a parsed expression (explicit stack: deep input cannot overflow). */
function matchesCalls(root: unknown): Node[] {
  const found: Node[] = [];
  const stack: unknown[] = [root];
  let guard = 0;
  while (stack.length > 0 && guard++ < 200_000) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    if (!isNode(node)) continue;
    const args = node.args;
    if ((node.op === 'rcall' || node.op === 'call') && Array.isArray(args) && args[0] === 'matches')
      found.push(node);
    if (Array.isArray(args) || isNode(args)) stack.push(args);
  }
  return found;
}

/** Re-points every `matches` call of a freshly parsed expression at the linear engine. */
export function useLinearMatches(ast: unknown): void {
  for (const call of matchesCalls(ast)) if (call.op === 'rcall') (call.args as unknown[])[0] = LINEAR_MATCHES;
}

/**
 * The first literal `matches()` pattern RE2 cannot run, with its offset in the expression source
 * (patterns computed at run time are checked when they are used).
 */
export function literalPatternProblem(ast: unknown): RegexProblem | undefined {
  for (const call of matchesCalls(ast)) {
    // x.matches(p) is [name, receiver, [p]]; matches(x, p) is [name, [x, p]].
    const args = call.args as unknown[];
    const pattern = call.op === 'rcall' ? (args[2] as unknown[])?.[0] : (args[1] as unknown[])?.[1];
    if (!isNode(pattern) || pattern.op !== 'value' || typeof pattern.args !== 'string') continue;
    const problem = checkRegex(pattern.args);
    if (problem) {
      return {
        message: `matches(): invalid pattern ${JSON.stringify(pattern.args)}: ${problem.message}`,
        ...(pattern.pos !== undefined ? { offset: pattern.pos } : {}),
      };
    }
  }
  return undefined;
}
