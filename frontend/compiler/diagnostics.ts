/**
 * `diagnostics:` → {@link DiagnosticStage}s: steps run one after the other, or a `parallel:`
 * group whose steps see only what ran before the group.
 */
import type { DiagnosticStage, DiagnosticStep } from '../../contracts/plan';
import type { CompileContext, StepScope } from './context';
import type { DiagnosticDoc, StepDoc } from './document';
import { compileStep } from './steps';
import { checkCondition } from './templates';

function diagnosticStep(
  ctx: CompileContext,
  s: StepDoc,
  pointer: string,
  before: ReadonlySet<string>,
): DiagnosticStep | undefined {
  const scope: StepScope = { before, all: ctx.allIds, ...(s.id !== undefined ? { self: s.id } : {}) };
  if (s.when !== undefined) checkCondition(ctx, s.when, `${pointer}/when`, scope);
  if (s.on_failure === 'abort')
    ctx.fail(`${pointer}/on_failure`, 'diagnostics accept on_failure: continue or escalate');
  const step = compileStep(ctx, s, pointer, 'diagnostic', scope);
  if (!step) return undefined;
  const out: DiagnosticStep = { step, onFailure: s.on_failure === 'escalate' ? 'escalate' : 'continue' };
  if (s.when !== undefined) out.when = s.when;
  return out;
}

function parallelStage(
  ctx: CompileContext,
  d: DiagnosticDoc,
  parallel: StepDoc[],
  pointer: string,
): DiagnosticStage {
  const extra = Object.keys(d).filter((k) => k !== 'parallel');
  if (extra.length > 0)
    ctx.fail(
      `${pointer}/${extra[0]}`,
      `a parallel stage holds only "parallel"; move "${extra[0]}" into its steps`,
    );
  const before = new Set(ctx.done);
  const steps = parallel
    .map((s, j) => diagnosticStep(ctx, s, `${pointer}/parallel/${j}`, before))
    .filter((x) => x !== undefined);
  parallel.forEach((s) => s.id !== undefined && ctx.done.add(s.id));
  return { parallel: true, steps };
}

/** Compiles the diagnostics in order, marking each step done (`ctx.done`) once its stage has run. */
export function compileDiagnostics(ctx: CompileContext): DiagnosticStage[] {
  const stages: DiagnosticStage[] = [];
  (ctx.doc.diagnostics ?? []).forEach((d, i) => {
    const pointer = `/diagnostics/${i}`;
    if (d.parallel) {
      stages.push(parallelStage(ctx, d, d.parallel, pointer));
      return;
    }
    const st = diagnosticStep(ctx, d, pointer, new Set(ctx.done));
    if (d.id !== undefined) ctx.done.add(d.id);
    if (st) stages.push({ parallel: false, steps: [st] });
  });
  return stages;
}
