/** A workflow that only exercises the expression layer, bundled by sandbox.test.ts. */
import { evaluateCondition, parseTemplate, renderTemplate } from '../../language/expressions';
import { matchesTrigger } from '../../language/plan/match';
import { endpointText, renderTarget, resolveEndpoints } from '../../language/plan/targets';
import type { ExpressionContext } from '../../contracts/plan';

export async function expressionsInSandbox(
  ctx: ExpressionContext,
): Promise<{ command: string; cond: boolean; match: boolean; dial: string[] }> {
  const command = renderTemplate(parseTemplate('systemctl restart {{ labels.service }}', 'shell'), ctx);
  const cond = evaluateCondition('labels.service == "nginx; rm -rf /" && vars.limit > 5', ctx);
  const match = matchesTrigger(
    { matchers: [{ label: 'service', op: 'regex', value: 'nginx.*' }] },
    ctx.labels,
  );
  const target = renderTarget(
    {
      name: 'db',
      transport: 'ssh',
      hosts: [parseTemplate('{{ hostOf(labels.instance) }}', 'text')],
      user: 'firebreak',
      port: 2222,
      concurrency: 1,
      failFast: false,
    },
    ctx,
  );
  const inventory = { pg: [{ host: '10.0.0.5', aliases: ['db1'] }] };
  const dial = resolveEndpoints(target, inventory, { strictInventory: true, defaultUser: 'w' }).map(
    endpointText,
  );
  return Promise.resolve({ command, cond, match, dial });
}
