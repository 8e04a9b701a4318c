/**
 * `escalation:` → whom to page, level after level, and how long to wait at each severity: an
 * on-call chain (resolved at run time), explicit levels, or by default the owners.
 */
import { durationMs } from '../../language/actions';
import { didYouMean } from '../loader/suggest';
import { DEFAULT_ESCALATION_MS, SEVERITIES, type Plan, type Severity } from '../../contracts/plan';
import type { CompileContext } from './context';
import { checkContact } from './people';

export function compileEscalation(ctx: CompileContext): Plan['escalation'] {
  const { chains } = ctx.options;
  const esc = ctx.doc.escalation ?? {};
  if (esc.chain !== undefined && chains && !chains.has(esc.chain)) {
    ctx.fail('/escalation/chain', `unknown on-call chain "${esc.chain}"${didYouMean(esc.chain, chains)}`);
  }
  if (esc.chain !== undefined && esc.levels !== undefined) {
    // The chain's levels replace explicit ones: keeping both would page people nobody expects.
    ctx.fail(
      '/escalation/levels',
      `escalation has both chain "${esc.chain}" and levels; the chain's levels would silently replace these — keep one`,
    );
  }
  (esc.levels ?? []).forEach((level, i) =>
    level.forEach((c, j) => checkContact(ctx, c, `/escalation/levels/${i}/${j}`)),
  );
  const intervalMs = { ...DEFAULT_ESCALATION_MS } as Record<Severity, number>;
  for (const sev of SEVERITIES) {
    const text = esc.interval?.[sev];
    if (text !== undefined) intervalMs[sev] = durationMs(text);
  }
  return {
    ...(esc.chain !== undefined ? { chain: esc.chain } : {}),
    levels: esc.levels ?? (esc.chain !== undefined ? [] : [[...ctx.doc.metadata.owners]]),
    intervalMs,
    repeatLast: esc.repeat_last ?? true,
  };
}
