/** Step ids: unique across diagnostics, remediations and verify probes. */
import type { CompileContext } from './context';

/** `/remediations/0/verify` → `remediations[0].verify` (where a duplicate id was first used). */
function where(pointer: string): string {
  return pointer
    .slice(1)
    .replace(/\/(\d+)/g, '[$1]')
    .replace(/\//g, '.');
}

function claim(ctx: CompileContext, id: string | undefined, pointer: string): void {
  if (id === undefined) return;
  const first = ctx.allIds.get(id);
  if (first !== undefined)
    ctx.fail(`${pointer}/id`, `duplicate step id "${id}" (first used at ${where(first)})`);
  else ctx.allIds.set(id, pointer);
}

/**
 * Records every step id written in the runbook (into `ctx.allIds`) before any step compiles, so
 * an expression can tell a step that runs later from one that does not exist.
 */
export function claimStepIds(ctx: CompileContext): void {
  (ctx.doc.diagnostics ?? []).forEach((d, i) => {
    if (d.parallel) d.parallel.forEach((s, j) => claim(ctx, s.id, `/diagnostics/${i}/parallel/${j}`));
    else claim(ctx, d.id, `/diagnostics/${i}`);
  });
  (ctx.doc.remediations ?? []).forEach((r, i) => {
    claim(ctx, r.id, `/remediations/${i}`);
    (r.verify?.steps ?? []).forEach((s, j) => claim(ctx, s.id, `/remediations/${i}/verify/steps/${j}`));
    if (r.verify && !r.verify.steps) claim(ctx, r.verify.id, `/remediations/${i}/verify`);
  });
}
