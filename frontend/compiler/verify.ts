/**
 * A remediation's `verify:`: read-only probes, polled until they all succeed. Written as one
 * inline step or as `steps:`; probes run on the remediation's target unless they name one.
 */
import type { CommandStep, ExecutableStep, VerifySpec } from '../../contracts/plan';
import type { CompileContext, StepScope } from './context';
import { DEFAULTS, durationOr } from './defaults';
import type { RemediationDoc, StepDoc, VerifyDoc } from './document';
import { compileStep } from './steps';

/** The probes as written, each with its pointer; an inline probe is named after the remediation. */
function probeDocs(r: RemediationDoc, v: VerifyDoc, pointer: string): [StepDoc, string][] {
  return v.steps
    ? v.steps.map((s, j) => [s, `${pointer}/verify/steps/${j}`])
    : [[{ ...v, id: v.id ?? `${r.id}-verify` }, `${pointer}/verify`]];
}

/** Compiles `v`, the verify of remediation `r` (at `pointer`, compiled into `run`). */
export function compileVerify(
  ctx: CompileContext,
  r: RemediationDoc,
  v: VerifyDoc,
  run: ExecutableStep,
  pointer: string,
): VerifySpec {
  const scope: StepScope = { before: new Set(ctx.done), all: ctx.allIds };
  const fallback = run.kind === 'command' ? run.target : undefined;
  const steps: CommandStep[] = [];
  probeDocs(r, v, pointer).forEach(([s, at], j) => {
    // An inline probe is the verify block itself: its polling fields are not step fields.
    const { steps: _s, attempts: _a, interval: _i, ...stepOnly } = s as VerifyDoc;
    const st = compileStep(
      ctx,
      { ...stepOnly, id: stepOnly.id ?? `${r.id}-verify-${j + 1}` },
      at,
      'verify',
      scope,
      fallback,
    );
    if (st && st.kind === 'command') steps.push(st);
    else if (st) ctx.fail(at, 'verify probes must be commands or checks, not waits');
  });
  return {
    steps,
    attempts: v.attempts ?? DEFAULTS.verifyAttempts,
    intervalMs: durationOr(v.interval, DEFAULTS.verifyIntervalMs),
  };
}
