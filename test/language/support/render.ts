/** Builds a built-in action from its parameters and renders it against alert labels, as the workflow does. */
import { getAction } from '../../../language/actions';
import type { BuiltCommand } from '../../../language/actions';
import { renderTemplate } from '../../../language/expressions';
import { secretEnvName } from '../../../language/expressions/quote';
import type { ExpressionContext } from '../../../contracts/plan';

export function context(labels: Record<string, string> = {}): ExpressionContext {
  return {
    labels,
    annotations: {},
    alert: { status: 'firing', fingerprint: 'f', startsAt: '', generatorURL: '' },
    vars: {},
    incident: { id: 'i', severity: 'P2', runbook: 'rb', service: 's' },
    steps: {},
  };
}

/** The action's built step and its command rendered with `labels`. */
export function rendered(
  name: string,
  params: Record<string, unknown>,
  labels: Record<string, string> = {},
): { built: BuiltCommand; cmd: string } {
  const def = getAction(name);
  if (!def) throw new Error(`no action ${name}`);
  const built = def.build(params);
  return { built, cmd: renderTemplate(built.command, context(labels)) };
}

/** The environment variable the wrapper sets for a secret, with its value. */
export function secretEnv(name: string, value: string): Record<string, string> {
  return { [secretEnvName(name)]: value };
}
