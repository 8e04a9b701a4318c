/**
 * `trigger:` → label matchers (all must hold), alternatives (`any:`, one of which must hold), and
 * the labels that set an incident's severity; plus which labels every matching alert is sure to
 * carry, so targets can be checked against them.
 */
import type { LabelMatcher, Plan, Severity } from '../../contracts/plan';
import { checkRegex, linearRegex } from '../../language/expressions/regex';
import type { CompileContext } from './context';
import type { MatcherDoc, RunbookDoc } from './document';

/** The label read by a `severityFrom` that names none. */
export const DEFAULT_SEVERITY_LABEL = 'severity';

/** Whether a Prometheus-style (fully anchored, RE2) regular expression matches the empty value. */
function matchesEmpty(re: string): boolean {
  try {
    return linearRegex(re, { anchored: true }).test('');
  } catch {
    return true; // reported elsewhere; guarantees nothing
  }
}

/** One label's matcher; undefined when its regular expression does not compile (reported). */
function matcher(
  ctx: CompileContext,
  label: string,
  m: MatcherDoc,
  pointer: string,
): LabelMatcher | undefined {
  const regexOk = (re: string): boolean => {
    const problem = checkRegex(re, { anchored: true });
    if (problem === undefined) return true;
    const key = typeof m === 'object' && m.regex !== undefined ? 'regex' : 'not_regex';
    ctx.fail(
      `${pointer}/${key}`,
      `invalid regular expression for label "${label}": ${problem.message}`,
      problem.offset,
    );
    return false;
  };
  if (typeof m === 'string') return { label, op: 'eq', value: m };
  if (m.eq !== undefined) return { label, op: 'eq', value: m.eq };
  if (m.not !== undefined) return { label, op: 'neq', value: m.not };
  if (m.in !== undefined) return { label, op: 'in', values: [...m.in] };
  if (m.not_in !== undefined) return { label, op: 'nin', values: [...m.not_in] };
  if (m.regex !== undefined) return regexOk(m.regex) ? { label, op: 'regex', value: m.regex } : undefined;
  if (m.not_regex !== undefined)
    return regexOk(m.not_regex) ? { label, op: 'nregex', value: m.not_regex } : undefined;
  if (m.exists) return { label, op: 'exists' };
  if (m.absent) return { label, op: 'absent' };
  return undefined;
}

function matchers(ctx: CompileContext, map: Record<string, MatcherDoc>, pointer: string): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  for (const [label, m] of Object.entries(map)) {
    const compiled = matcher(ctx, label, m, `${pointer}/${label}`);
    if (compiled) out.push(compiled);
  }
  return out;
}

/** The runbook's mapping merged over nothing; the library's is kept apart (runbook first). */
function severityRules(ctx: CompileContext): Pick<Plan['trigger'], 'severityFrom' | 'severityFromLibrary'> {
  const own = ctx.doc.trigger.severityFrom;
  const library = ctx.options.severityFrom;
  const out: Pick<Plan['trigger'], 'severityFrom' | 'severityFromLibrary'> = {};
  if (own)
    out.severityFrom = {
      label: own.label ?? library?.label ?? DEFAULT_SEVERITY_LABEL,
      map: { ...own.map },
    };
  if (library && Object.keys(library.map).length > 0)
    out.severityFromLibrary = { label: library.label, map: { ...library.map } };
  return out;
}

/** Compiles the trigger: every label matcher, the `any:` alternatives, and the severity rules. */
export function compileTrigger(ctx: CompileContext): Plan['trigger'] {
  const { trigger } = ctx.doc;
  const spec: Plan['trigger'] = { matchers: matchers(ctx, trigger.match, '/trigger/match') };
  if (trigger.any !== undefined)
    spec.any = trigger.any.map((alt, i) => matchers(ctx, alt, `/trigger/any/${i}`));
  return { ...spec, ...severityRules(ctx) };
}

/** Whether every alert this matcher lets through carries the label, non-empty. */
function guarantees(m: MatcherDoc): boolean {
  if (typeof m === 'string') return m !== '';
  if (m.eq !== undefined) return m.eq !== '';
  if (m.in !== undefined) return m.in.length > 0 && !m.in.includes('');
  if (m.regex !== undefined) return !matchesEmpty(m.regex);
  return m.exists === true;
}

/**
 * Labels every alert that triggers the runbook carries (non-empty): guaranteed by a matcher in
 * `match`, or by a matcher in every `any:` alternative.
 */
export function guaranteedLabels(doc: RunbookDoc): Set<string> {
  const sure = (map: Record<string, MatcherDoc>): string[] =>
    Object.entries(map)
      .filter(([, m]) => guarantees(m))
      .map(([label]) => label);
  const out = new Set(sure(doc.trigger.match));
  const alternatives = doc.trigger.any ?? [];
  if (alternatives.length > 0) {
    const [first, ...rest] = alternatives.map((alt) => new Set(sure(alt)));
    for (const label of first ?? []) if (rest.every((s) => s.has(label))) out.add(label);
  }
  return out;
}

/** Every severity the runbook itself gives an incident: its default, and its own mapping's values. */
export function possibleSeverities(doc: RunbookDoc): Set<Severity> {
  return new Set<Severity>([doc.metadata.severity, ...Object.values(doc.trigger.severityFrom?.map ?? {})]);
}
