/** `resolution:` → how an incident ends: verify passes, the alert resolves, or a human says so. */
import type { Plan, RemediationStep } from '../../contracts/plan';
import type { CompileContext } from './context';
import { DEFAULTS, durationOr } from './defaults';

/** Defaults to `verify` when some remediation verifies, else `human`. */
export function compileResolution(
  ctx: CompileContext,
  remediations: readonly RemediationStep[],
): Plan['resolution'] {
  const written = ctx.doc.resolution;
  const hasVerify = remediations.some((r) => r.verify);
  const mode = written?.mode ?? (hasVerify ? 'verify' : 'human');
  if (mode === 'verify' && !hasVerify && written?.mode === 'verify') {
    ctx.fail('/resolution/mode', 'resolution mode "verify" needs at least one remediation with verify');
  }
  return { mode, timeoutMs: durationOr(written?.timeout, DEFAULTS.resolutionTimeoutMs) };
}
