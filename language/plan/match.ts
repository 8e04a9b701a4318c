/**
 * Which runbook an alert triggers, and at what severity. Pure and sandbox-safe: used by the
 * intake, the library, `firebreak plan` and the incident workflow alike.
 */
import type { LabelMatcher, Plan, Severity, TriggerSpec } from '../../contracts/plan';
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

/** True when every matcher of the trigger holds for the alert's labels. */
export function matchesTrigger(trigger: TriggerSpec, labels: Readonly<Record<string, string>>): boolean {
  return trigger.matchers.every((m) => matcherHolds(m, labels));
}

/**
 * The incident's severity: the trigger's `severityFrom` label mapped (e.g. critical → P0) when
 * the alert carries a mapped value, otherwise the runbook's own severity.
 */
export function effectiveSeverity(
  plan: Pick<Plan, 'trigger' | 'runbook'>,
  labels: Readonly<Record<string, string>>,
): Severity {
  const from = plan.trigger.severityFrom;
  if (from) {
    const raw = labels[from.label];
    if (raw !== undefined && Object.prototype.hasOwnProperty.call(from.map, raw)) {
      const mapped = from.map[raw];
      if (mapped) return mapped;
    }
  }
  return plan.runbook.severity;
}
