/** `trigger:` → label matchers, and the label that sets an incident's severity. */
import type { LabelMatcher, Plan, Severity } from '../../contracts/plan';
import { checkRegex } from '../../language/expressions/regex';
import type { CompileContext } from './context';
import type { MatcherDoc, RunbookDoc } from './document';

/** One label's matcher; undefined when its regular expression does not compile (reported). */
function matcher(ctx: CompileContext, label: string, m: MatcherDoc): LabelMatcher | undefined {
  const regexOk = (re: string): boolean => {
    const problem = checkRegex(re, { anchored: true });
    if (problem === undefined) return true;
    const key = typeof m === 'object' && m.regex !== undefined ? 'regex' : 'not_regex';
    ctx.fail(
      `/trigger/match/${label}/${key}`,
      `invalid regular expression for label "${label}": ${problem.message}`,
      problem.offset,
    );
    return false;
  };
  if (typeof m === 'string') return { label, op: 'eq', value: m };
  if (m.eq !== undefined) return { label, op: 'eq', value: m.eq };
  if (m.not !== undefined) return { label, op: 'neq', value: m.not };
  if (m.regex !== undefined) return regexOk(m.regex) ? { label, op: 'regex', value: m.regex } : undefined;
  if (m.not_regex !== undefined)
    return regexOk(m.not_regex) ? { label, op: 'nregex', value: m.not_regex } : undefined;
  if (m.exists) return { label, op: 'exists' };
  if (m.absent) return { label, op: 'absent' };
  return undefined;
}

/** Compiles the trigger: every label matcher (all must hold), and `severityFrom` when given. */
export function compileTrigger(ctx: CompileContext): Plan['trigger'] {
  const { trigger } = ctx.doc;
  const matchers: LabelMatcher[] = [];
  for (const [label, m] of Object.entries(trigger.match)) {
    const compiled = matcher(ctx, label, m);
    if (compiled) matchers.push(compiled);
  }
  if (!trigger.severityFrom) return { matchers };
  return {
    matchers,
    severityFrom: { label: trigger.severityFrom.label, map: { ...trigger.severityFrom.map } },
  };
}

/** Every severity an incident of this runbook can have: the default, and any `severityFrom` maps to. */
export function possibleSeverities(doc: RunbookDoc): Set<Severity> {
  return new Set<Severity>([doc.metadata.severity, ...Object.values(doc.trigger.severityFrom?.map ?? {})]);
}
