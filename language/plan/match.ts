/**
 * Which runbook an alert triggers, and at what severity. Pure and sandbox-safe: used by the
 * intake, the library, `firebreak plan` and the incident workflow alike.
 */
import type { LabelMatcher, Plan, Severity, SeverityRule, TriggerSpec } from '../../contracts/plan';
import { linearRegex, type LinearRegex } from '../expressions/regex';

/**
 * Prometheus-style regex: fully anchored, RE2 syntax, linear time (expressions/regex.ts). An
 * invalid pattern never matches (the validator rejects it before a plan exists, so this only
 * guards hand-made plans).
 */
function anchored(pattern: string): LinearRegex | null {
  try {
    return linearRegex(pattern, { anchored: true });
  } catch {
    return null;
  }
}

/** One matcher. As in Alertmanager, a missing label reads as the empty string. */
export function matcherHolds(m: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const present = Object.prototype.hasOwnProperty.call(labels, m.label);
  const value = present ? (labels[m.label] ?? '') : '';
  switch (m.op) {
    case 'eq':
      return value === m.value;
    case 'in':
      return m.values.includes(value);
    case 'nin':
      return !m.values.includes(value);
    case 'neq':
      return value !== m.value;
    case 'regex':
      return anchored(m.value)?.test(value) ?? false;
    case 'nregex': {
      const re = anchored(m.value);
      return re ? !re.test(value) : false;
    }
    case 'exists':
      return present && value !== '';
    case 'absent':
      return !present || value === '';
  }
}

/** True when every matcher holds and, with `any`, every matcher of at least one alternative. */
export function matchesTrigger(trigger: TriggerSpec, labels: Readonly<Record<string, string>>): boolean {
  const all = (ms: LabelMatcher[]): boolean => ms.every((m) => matcherHolds(m, labels));
  return all(trigger.matchers) && (trigger.any === undefined || trigger.any.some(all));
}

/** Which rule set an incident's severity, for `firebreak plan` and people reading it. */
export interface SeverityDecision {
  severity: Severity;
  /** runbook/library: a `severityFrom` mapping matched; default: the runbook's own severity. */
  source: 'runbook' | 'library' | 'default';
  /** One line: `severity="critical" → P0 by the library mapping`. */
  rule: string;
}

function mapped(
  rule: SeverityRule | undefined,
  labels: Readonly<Record<string, string>>,
): Severity | undefined {
  if (!rule) return undefined;
  const raw = labels[rule.label];
  if (raw === undefined || !Object.prototype.hasOwnProperty.call(rule.map, raw)) return undefined;
  return rule.map[raw];
}

/**
 * The incident's severity and the rule that chose it: the runbook's `severityFrom` when it maps
 * the alert's value, else the library-wide mapping when it does, else the runbook's own severity
 * — an unmapped or missing value never makes an incident more urgent than its runbook says.
 */
export function severityDecision(
  plan: Pick<Plan, 'trigger' | 'runbook'>,
  labels: Readonly<Record<string, string>>,
): SeverityDecision {
  const { severityFrom, severityFromLibrary } = plan.trigger;
  for (const [rule, source] of [
    [severityFrom, 'runbook'],
    [severityFromLibrary, 'library'],
  ] as const) {
    const sev = mapped(rule, labels);
    if (rule && sev)
      return {
        severity: sev,
        source,
        rule: `${rule.label}=${JSON.stringify(labels[rule.label])} → ${sev} by the ${source === 'runbook' ? "runbook's" : 'library'} mapping`,
      };
  }
  const own = plan.runbook.severity;
  const label = severityFrom?.label ?? severityFromLibrary?.label;
  if (label === undefined) return { severity: own, source: 'default', rule: "the runbook's severity" };
  const raw = labels[label];
  return {
    severity: own,
    source: 'default',
    rule:
      raw === undefined
        ? `no "${label}" label: the runbook's severity`
        : `${label}=${JSON.stringify(raw)} is not mapped: the runbook's severity`,
  };
}

/**
 * The incident's severity: the trigger's `severityFrom` label mapped (e.g. critical → P0) when
 * the alert carries a mapped value, otherwise the runbook's own severity.
 */
export function effectiveSeverity(
  plan: Pick<Plan, 'trigger' | 'runbook'>,
  labels: Readonly<Record<string, string>>,
): Severity {
  return severityDecision(plan, labels).severity;
}
