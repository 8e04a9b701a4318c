/** `targets:` → {@link TargetSpec}s: where commands run (SSH hosts or inventory group, or local). */
import type { Template, TargetSpec } from '../../contracts/plan';
import type { CompileContext, StepScope } from './context';
import { DEFAULTS } from './defaults';
import type { TargetDoc } from './document';
import { templateAt } from './templates';

function compileTarget(ctx: CompileContext, name: string, t: TargetDoc): TargetSpec {
  const pointer = `/targets/${name}`;
  const transport = t.transport ?? 'ssh';
  if (transport === 'ssh' && !t.group && !(t.hosts && t.hosts.length > 0)) {
    ctx.fail(pointer, `target "${name}" needs hosts or an inventory group`);
  }
  // Host templates run before any step: they may use labels and vars, not step results.
  const noSteps: StepScope = { before: new Set(), all: ctx.allIds };
  const hosts: Template[] = [];
  (t.hosts ?? []).forEach((h, i) => {
    const tpl = templateAt(ctx, h, 'text', `${pointer}/hosts/${i}`, noSteps);
    if (tpl) hosts.push(tpl);
  });
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
