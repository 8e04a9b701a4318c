/** The expression context an alert with `labels` gives a runbook's templates (test helper). */
import type { ExpressionContext } from '../../contracts/plan';

export function labelContext(labels: Record<string, string>): ExpressionContext {
  return {
    labels,
    annotations: {},
    alert: { status: 'firing', fingerprint: 'f', startsAt: '', generatorURL: '' },
    vars: {},
    incident: { id: 'inc', severity: 'P3', runbook: 'rb', service: 's' },
    steps: {},
  };
}
