/**
 * The library against alerts shaped as real exporters send them (examples/alerts/library/ and the
 * exporter fixtures in examples/alerts/exporters/): each must reach exactly the runbook
 * `expected.json` names, and `firebreak plan` must dial the machine that alerted — through the
 * example engine config's inventory, with the runbook's user. At least 90% must; the test prints
 * every miss and the percentage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../apps/cli/plan';
import { captureIO } from '../support/cli';
import type * as Yaml from 'yaml';
import type * as LibraryModule from '../../frontend/library';

const ROOT = join(__dirname, '..', '..');
const CONFIG = join(ROOT, 'examples', 'firebreak.yaml');

interface Expected {
  file: string;
  runbook: string;
  /** The alerting machine's alias, or `group:<name>` when the runbook targets a group. */
  host: string;
}

interface PlanJson {
  alerts: { matches: { runbook: string; targets: { endpoints?: { dial: string }[]; error?: string }[] }[] }[];
}

/** alias → inventory address, from the example config. */
function addresses(): { byAlias: Map<string, string>; groups: Map<string, string[]> } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('yaml') as typeof Yaml;
  const doc = parse(readFileSync(CONFIG, 'utf8')) as {
    inventory: Record<string, { host: string; aliases?: string[] }[]>;
  };
  const byAlias = new Map<string, string>();
  const groups = new Map<string, string[]>();
  for (const [group, hosts] of Object.entries(doc.inventory)) {
    groups.set(
      group,
      hosts.map((h) => h.host),
    );
    for (const h of hosts) for (const a of h.aliases ?? []) byAlias.set(a, h.host);
  }
  return { byAlias, groups };
}

function fixtures(): { dir: string; e: Expected }[] {
  const own = JSON.parse(
    readFileSync(join(ROOT, 'examples/alerts/library/expected.json'), 'utf8'),
  ) as Expected[];
  const exporters = JSON.parse(
    readFileSync(join(ROOT, 'examples/alerts/library/expected-exporters.json'), 'utf8'),
  ) as Expected[];
  return [
    ...own.map((e) => ({ dir: 'examples/alerts/library', e })),
    ...exporters.map((e) => ({ dir: 'examples/alerts/exporters', e })),
  ];
}

describe('real-shaped alerts through the shipped library', () => {
  const all = fixtures();
  const { byAlias, groups } = addresses();
  const results: { file: string; ok: boolean; why: string }[] = [];

  it.each(all.map((f) => [f.e.file, f.dir, f.e] as const))(
    '%s reaches its runbook and its host',
    async (_f, dir, e) => {
      const io = captureIO(ROOT);
      expect(await run(['--alert', join(dir, e.file), '--config', CONFIG, '--json'], io)).toBe(0);
      const out = JSON.parse(io.stdout.join('')) as PlanJson;
      const matches = out.alerts[0]!.matches;
      const want = e.host.startsWith('group:')
        ? (groups.get(e.host.slice(6)) ?? []).map((h) => `firebreak@${h}:22`)
        : [`firebreak@${byAlias.get(e.host) ?? `<no alias ${e.host}>`}:22`];
      const dialled = matches[0]?.targets.flatMap((t) => (t.endpoints ?? []).map((x) => x.dial)) ?? [];
      const ok =
        matches.length === 1 &&
        matches[0]!.runbook === e.runbook &&
        JSON.stringify(dialled) === JSON.stringify(want);
      results.push({
        file: e.file,
        ok,
        why: `matched ${JSON.stringify(matches.map((m) => m.runbook))}, dialled ${JSON.stringify(dialled)}; expected ${e.runbook} on ${JSON.stringify(want)}`,
      });
      expect({ runbooks: matches.map((m) => m.runbook), dialled }).toEqual({
        runbooks: [e.runbook],
        dialled: want,
      });
    },
  );

  it('reaches the right runbook and host for at least 90% of them', () => {
    expect(results).toHaveLength(all.length);
    const good = results.filter((r) => r.ok).length;
    const pct = (100 * good) / all.length;
    console.log(
      `library fixtures: ${good}/${all.length} (${pct.toFixed(1)}%) reach the right runbook and host`,
    );
    expect(all.length).toBeGreaterThanOrEqual(70);
    expect(pct).toBeGreaterThanOrEqual(90);
  });

  it('covers the five exporters and every runbook the alerts can reach', () => {
    const jobs = new Set(
      all.map(
        (f) => JSON.parse(readFileSync(join(ROOT, f.dir, f.e.file), 'utf8')).alerts[0].labels.job as string,
      ),
    );
    for (const j of ['node', 'cadvisor']) expect(jobs).toContain(j);
    expect([...jobs].some((j) => /postgres/.test(j))).toBe(true);
    expect([...jobs].some((j) => /redis/.test(j))).toBe(true);
    expect([...jobs].some((j) => /^blackbox/.test(j))).toBe(true);
    const reached = new Set(all.map((f) => f.e.runbook));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadLibrary } = require('../../frontend/library') as typeof LibraryModule;
    const ids = loadLibrary(join(ROOT, 'runbooks'))
      .plans.map((p) => p.runbook.id)
      .filter((id) => id !== 'demo-local-logs');
    expect(ids.filter((id) => !reached.has(id))).toEqual([]);
  });
});
