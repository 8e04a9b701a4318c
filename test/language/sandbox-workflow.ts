/** A workflow that only exercises the expression layer, bundled by sandbox.test.ts. */
import { evaluateCondition, parseTemplate, renderTemplate } from '../../language/expressions';
import { matchesTrigger } from '../../language/plan/match';
import type { ExpressionContext } from '../../contracts/plan';

export async function expressionsInSandbox(
  ctx: ExpressionContext,
): Promise<{ command: string; cond: boolean; match: boolean }> {
  const command = renderTemplate(parseTemplate('systemctl restart {{ labels.service }}', 'shell'), ctx);
  const cond = evaluateCondition('labels.service == "nginx; rm -rf /" && vars.limit > 5', ctx);
  const match = matchesTrigger(
    { matchers: [{ label: 'service', op: 'regex', value: 'nginx.*' }] },
    ctx.labels,
  );
  return Promise.resolve({ command, cond, match });
}
