/**
 * `targets:` → {@link TargetSpec}s: where commands run (SSH hosts and/or an inventory group, or
 * local). Host and group templates run before any step, so they may read labels and vars, not
 * step results; and every label they read must be one the trigger guarantees (or be guarded
 * with `has()`), so a matching alert cannot fail at 3 a.m. for want of it.
 */
import { guardedKeys, referencedKeys, templateExpressions } from '../../language/expressions';
import type { Template, TargetSpec } from '../../contracts/plan';
import type { CompileContext, StepScope } from './context';
import { DEFAULTS } from './defaults';
import type { TargetDoc } from './document';
import { templateAt } from './templates';
import { guaranteedLabels } from './trigger';

/** Labels the trigger guarantees, per document: worked out once, and only if a template reads labels. */
const guaranteed = new WeakMap<CompileContext['doc'], Set<string>>();

function guaranteedBy(ctx: CompileContext): Set<string> {
  let sure = guaranteed.get(ctx.doc);
  if (!sure) {
    sure = guaranteedLabels(ctx.doc);
    guaranteed.set(ctx.doc, sure);
  }
  return sure;
}

/** Reports each label a host or group template reads that the trigger does not guarantee. */
function checkLabels(ctx: CompileContext, src: string, tpl: Template, pointer: string): void {
  let from = 0;
  for (const expr of templateExpressions(tpl)) {
    const at = src.indexOf(expr, from);
    if (at >= 0) from = at + expr.length;
    const labels = referencedKeys(expr, 'labels');
    if (labels.length === 0) continue;
    const guarded = guardedKeys(expr, 'labels');
    for (const label of labels) {
      if (guaranteedBy(ctx).has(label) || guarded.has(label)) continue;
      const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const inExpr = expr.search(new RegExp(`labels\\s*(\\.\\s*${escaped}\\b|\\[\\s*["']${escaped}["'])`));
      ctx.fail(
        pointer,
        `label "${label}" is not guaranteed by the trigger: match it (e.g. ${label}: { exists: true }) or guard it with has(labels.${label})`,
        at >= 0 ? at + Math.max(0, inExpr) : undefined,
      );
    }
  }
}

function compileTarget(ctx: CompileContext, name: string, t: TargetDoc): TargetSpec {
  const pointer = `/targets/${name}`;
  const transport = t.transport ?? 'ssh';
  if (transport === 'ssh' && !t.group && !(t.hosts && t.hosts.length > 0)) {
    ctx.fail(pointer, `target "${name}" needs hosts or an inventory group`);
  }
  const noSteps: StepScope = { before: new Set(), all: ctx.allIds };
  const hosts: Template[] = [];
  (t.hosts ?? []).forEach((h, i) => {
    const tpl = templateAt(ctx, h, 'text', `${pointer}/hosts/${i}`, noSteps);
    if (tpl) {
      checkLabels(ctx, h, tpl, `${pointer}/hosts/${i}`);
      hosts.push(tpl);
    }
  });
  if (t.group !== undefined) {
    const tpl = templateAt(ctx, t.group, 'text', `${pointer}/group`, noSteps);
    if (tpl) checkLabels(ctx, t.group, tpl, `${pointer}/group`);
  }
  const spec: TargetSpec = {
    name,
    transport,
    hosts,
    concurrency: t.concurrency ?? DEFAULTS.concurrency,
    failFast: t.fail_fast ?? false,
  };
  if (t.group !== undefined) spec.group = t.group;
  if (t.user !== undefined) spec.user = t.user;
  if (t.port !== undefined) spec.port = t.port;
  if (t.jump !== undefined) spec.jump = t.jump;
  return spec;
}

/** Compiles every target into `ctx.targets` (steps are checked against them). */
export function compileTargets(ctx: CompileContext): Record<string, TargetSpec> {
  const targets: Record<string, TargetSpec> = {};
  for (const [name, t] of Object.entries(ctx.targetsDoc)) targets[name] = compileTarget(ctx, name, t);
  ctx.targets = targets;
  return targets;
}
