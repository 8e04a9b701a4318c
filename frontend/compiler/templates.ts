/**
 * Conditions and `{{ … }}` templates: CEL checked against the roots a condition may use, `vars.*`
 * against the runbook's vars, `steps.*` against the steps that have run by then.
 */
import {
  checkExpression,
  CONDITION_ROOTS,
  isTemplateError,
  parseTemplate,
  referencedKeys,
  referencedSteps,
} from '../../language/expressions';
import { didYouMean } from '../loader/suggest';
import type { Template } from '../../contracts/plan';
import type { CompileContext, StepScope } from './context';

/** Why a step reference is not allowed here, or undefined when it is. */
function stepRefProblem(step: string, scope: StepScope): string | undefined {
  if (scope.before.has(step)) return undefined;
  if (step === scope.self) return `step "${step}" refers to its own result (a cycle)`;
  if (scope.all.has(step))
    return `step "${step}" is referenced before it runs (only earlier steps can be used here)`;
  return `unknown step "${step}"${didYouMean(step, scope.all.keys())}`;
}

/** Checks a condition (`when:`, or an expression inside a template starting at `baseOffset`). */
export function checkCondition(
  ctx: CompileContext,
  expr: string,
  pointer: string,
  scope: StepScope,
  baseOffset = 0,
): void {
  const r = checkExpression(expr, CONDITION_ROOTS);
  if (!r.ok) {
    ctx.fail(
      pointer,
      `invalid expression ${JSON.stringify(expr)}: ${r.message}`,
      r.offset !== undefined ? baseOffset + r.offset : undefined,
    );
    return;
  }
  for (const v of referencedKeys(expr, 'vars')) {
    if (!Object.prototype.hasOwnProperty.call(ctx.vars, v)) {
      ctx.fail(
        pointer,
        `undefined variable "vars.${v}"${didYouMean(v, Object.keys(ctx.vars))}`,
        baseOffset + Math.max(0, expr.indexOf(`vars.${v}`)),
      );
    }
  }
  for (const s of referencedSteps(expr)) {
    const problem = stepRefProblem(s, scope);
    if (problem !== undefined) ctx.fail(pointer, problem, baseOffset + Math.max(0, expr.indexOf(s)));
  }
}

/** Go template actions (`{{.Name}}`, `{{- .x }}`, `{{range …}}`), which CEL never starts with. */
const GO_TEMPLATE = /^(?:[.$]|-\s|(?:range|end|with|define|template|block|else)\b)/;

/** Parses a template and checks its expressions; undefined (reported) when it does not parse. */
export function templateAt(
  ctx: CompileContext,
  src: string,
  mode: 'shell' | 'text',
  pointer: string,
  scope: StepScope,
): Template | undefined {
  let t: Template;
  try {
    t = parseTemplate(src, mode);
  } catch (err) {
    if (isTemplateError(err)) {
      ctx.fail(pointer, err.message, err.offset);
      return undefined;
    }
    throw err;
  }
  let offset = 0;
  for (const part of t.parts) {
    if ('expr' in part) {
      const at = src.indexOf(part.expr, offset);
      if (GO_TEMPLATE.test(part.expr)) {
        ctx.fail(
          pointer,
          `"{{${part.expr}}}" looks like a Go template for a tool, not an expression; write \\{{ for a literal {{ (e.g. --format '\\{{.Name}}')`,
          at >= 0 ? Math.max(0, src.lastIndexOf('{{', at)) : undefined,
        );
        if (at >= 0) offset = at + part.expr.length;
        continue;
      }
      checkCondition(ctx, part.expr, pointer, scope, at >= 0 ? at : undefined);
      if (at >= 0) offset = at + part.expr.length;
    } else if ('secret' in part && mode === 'text') {
      ctx.fail(
        pointer,
        `secret "${part.secret}" cannot be used here: only shell commands may reference secrets (e.g. run: VAR={{ secrets.${part.secret} }} cmd)`,
      );
    }
  }
  return t;
}
