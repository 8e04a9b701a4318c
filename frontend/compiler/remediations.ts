/**
 * `remediations:` → {@link RemediationStep}s, run in order after the diagnostics: each with its
 * approval rule (destructive steps are approved by a human unless the runbook says otherwise,
 * which it may not at P0/P1 without `allow_auto_destructive`) and its optional verify.
 */
import type { ExecutableStep, RemediationStep } from '../../contracts/plan';
import type { CompileContext } from './context';
import { DEFAULTS, durationOr } from './defaults';
import type { RemediationDoc } from './document';
import { compileStep } from './steps';
import { checkCondition } from './templates';
import { possibleSeverities } from './trigger';
import { compileVerify } from './verify';

/** `approval:` (default: required for destructive steps); refuses auto-approved destruction when urgent. */
function approvalOf(
  ctx: CompileContext,
  r: RemediationDoc,
  run: ExecutableStep,
  pointer: string,
  urgent: readonly string[],
): RemediationStep['approval'] {
  const destructive = run.kind === 'command' && run.destructive;
  const approval = r.approval ?? (destructive ? 'required' : 'auto');
  if (destructive && approval === 'auto' && urgent.length > 0 && r.allow_auto_destructive !== true) {
    ctx.fail(
      `${pointer}/approval`,
      `step "${r.id}" is destructive${run.kind === 'command' && run.action ? ` (${run.action})` : ''} and approval: auto at ${urgent.join('/')}; ` +
        'use approval: required, or set allow_auto_destructive: true to override',
    );
  }
  return approval;
}

function compileRemediation(
  ctx: CompileContext,
  r: RemediationDoc,
  pointer: string,
  urgent: readonly string[],
): RemediationStep | undefined {
  const scope = { before: new Set(ctx.done), all: ctx.allIds, self: r.id };
  if (r.when !== undefined) checkCondition(ctx, r.when, `${pointer}/when`, scope);
  const run = compileStep(ctx, r, pointer, 'remediation', scope);
  ctx.done.add(r.id);
  if (!run) return undefined;
  const approval = approvalOf(ctx, r, run, pointer, urgent);
  const verify = r.verify ? compileVerify(ctx, r, r.verify, run, pointer) : undefined;
  const step: RemediationStep = {
    id: r.id,
    title: r.title ?? run.title,
    run,
    approval,
    approvalTimeoutMs: durationOr(r.approval_timeout, DEFAULTS.approvalTimeoutMs),
    onFailure: r.on_failure === 'continue' || r.on_failure === 'abort' ? r.on_failure : 'escalate',
  };
  if (r.when !== undefined) step.when = r.when;
  if (verify) step.verify = verify;
  return step;
}

/** Compiles the remediations in order (after the diagnostics: each sees every step before it). */
export function compileRemediations(ctx: CompileContext): RemediationStep[] {
  // The runbook's own severities only: whether a runbook validates must not depend on the engine
  // config's library-wide mapping (a runbook valid in `firebreak validate` starts in the engine).
  const urgent = [...possibleSeverities(ctx.doc)].filter((s) => s === 'P0' || s === 'P1').sort();
  const remediations: RemediationStep[] = [];
  (ctx.doc.remediations ?? []).forEach((r, i) => {
    const step = compileRemediation(ctx, r, `/remediations/${i}`, urgent);
    if (step) remediations.push(step);
  });
  return remediations;
}
