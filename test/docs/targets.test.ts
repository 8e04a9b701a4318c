/**
 * The README's target model is executable: the runbook example validates, and every row of the
 * exporter table dials what it says through the real renderer and resolver.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateRunbook } from '../../frontend/validator';
import { parseTemplate } from '../../language/expressions';
import { endpointText, renderTarget, resolveEndpoints } from '../../language/plan/targets';
import { labelContext } from '../targets/context';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('### Targets: from an exporter'),
  readme.indexOf('### Triggers for real rule sets'),
);

const ctx = labelContext;

/** Table rows: exporter | labels as sent | hosts: | dialled. */
const rows = section
  .split('\n')
  .filter((l) => l.startsWith('| ') && l.includes('`{{'))
  .map((l) => l.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '')));

describe('the README target model', () => {
  it('validates the complete runbook example', () => {
    const yaml = /```yaml\n(# yaml-language-server[\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(yaml).toContain('hostOf(labels.instance)');
    expect(validateRunbook(yaml, 'README.md').diagnostics).toEqual([]);
  });

  it('has a row for each of the five exporters', () => {
    expect(rows.length).toBeGreaterThanOrEqual(6);
  });

  it.each(rows.map((r) => [r[0], r]))('dials what the table says for %s', (_name, row) => {
    const [, sent, hosts, dialled] = row as string[];
    const labels = Object.fromEntries(
      [...(sent ?? '').matchAll(/`(\w+)="([^"]*)"`/g)].map((m) => [m[1], m[2]]),
    );
    const tpl = /`(\{\{.*\}\})`/.exec(hosts ?? '')?.[1] ?? '';
    const target = renderTarget(
      {
        name: 't',
        transport: 'ssh',
        hosts: [parseTemplate(tpl, 'text')],
        user: 'firebreak',
        port: 22,
        concurrency: 1,
        failFast: false,
      },
      ctx(labels as Record<string, string>),
    );
    const eps = resolveEndpoints(target, {}, { strictInventory: false, defaultUser: 'w' }).map(endpointText);
    expect(eps).toEqual([/`([^`]+)`/.exec(dialled ?? '')?.[1]]);
  });
});
