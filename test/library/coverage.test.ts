/**
 * runbooks/README.md is the library's coverage table: every procedure of the five guides with
 * the runbook that automates it, or the reason it is left to a person, and how each runbook is
 * proven. These tests hold the table to the library and to the tests: every shipped runbook is
 * in it, every runbook it names exists, every row without a runbook gives its reason, and what a
 * row says about the proof ("e2e" or "golden") is what test/library/ really does for that runbook.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The quick-start demo runbook: no guide procedure, proven by test/engine/first-hour.test.ts. */
const DEMO = 'demo-local-logs';

interface Row {
  table: string;
  cells: string[];
}

/** Every body row of every Markdown table, under the heading of its section. */
function tableRows(): Row[] {
  const rows: Row[] = [];
  let heading = '';
  let header: string | undefined;
  for (const line of readFileSync(join(ROOT, 'runbooks', 'README.md'), 'utf8').split('\n')) {
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/u, '');
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/u)
      .map((c) => c.trim());
    if (header === undefined) header = line;
    else if (!/^\|[-| ]+\|$/u.test(line)) rows.push({ table: heading, cells });
  }
  return rows;
}

const shipped = readdirSync(join(ROOT, 'runbooks'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/u, ''));
const idsIn = (cell: string) => [...cell.matchAll(/`([a-z0-9-]+)`/gu)].map((m) => m[1]!);

const e2eTested = new Set(
  readdirSync(__dirname)
    .filter((f) => /^e2e-.*\.test\.ts$/u.test(f))
    .flatMap((f) => [...readFileSync(join(__dirname, f), 'utf8').matchAll(/runbook: '([a-z0-9-]+)'/gu)])
    .map((m) => m[1]!),
);
const golden = new Set(
  readdirSync(join(__dirname, 'fixtures', 'golden')).map((f) => f.replace(/\.json$/u, '')),
);

/**
 * The runbooks of a row: its runbook column (the second in the guides' tables, the first in the
 * stock-alert table); rows the on-call configuration covers name its chains there, not runbooks.
 */
function runbooksOf(r: Row): string[] {
  const cell = r.table.startsWith('Stock alerts') ? r.cells[0]! : r.cells[1]!;
  return cell.startsWith('`oncall.yaml`') ? [] : idsIn(cell);
}

const guideRows = tableRows().filter((r) => /^Guide 00[0-4]/u.test(r.table));
const stockRows = tableRows().filter((r) => r.table.startsWith('Stock alerts'));

describe('the coverage table in runbooks/README.md', () => {
  it('has a row for each of the five guides', () => {
    expect(new Set(guideRows.map((r) => r.table.slice(0, 9)))).toEqual(
      new Set(['Guide 000', 'Guide 001', 'Guide 002', 'Guide 003', 'Guide 004']),
    );
  });

  it('names every shipped runbook but the demo, and only runbooks that exist', () => {
    const named = new Set([...guideRows, ...stockRows].flatMap(runbooksOf));
    expect(shipped.filter((id) => id !== DEMO && !named.has(id))).toEqual([]);
    expect([...named].filter((id) => !shipped.includes(id))).toEqual([]);
  });

  it('gives the reason a person does it wherever a guide procedure has no runbook', () => {
    const bare = guideRows.filter((r) => r.cells[1] === '—' && !/\S/u.test(r.cells[3]!.replace(/—/gu, '')));
    expect(bare.map((r) => `${r.table}: ${r.cells[0]}`)).toEqual([]);
  });

  it('proves every runbook but the demo end to end or by a golden plan, never neither', () => {
    expect(shipped.filter((id) => id !== DEMO && !e2eTested.has(id) && !golden.has(id))).toEqual([]);
    const counts = { e2e: e2eTested.size, golden: [...golden].filter((id) => !e2eTested.has(id)).length };
    console.log(
      `library runbooks: ${shipped.length - 1} (+ the demo): ${counts.e2e} end to end, ${counts.golden} by golden plan`,
    );
    expect(counts.e2e + counts.golden).toBe(shipped.length - 1);
  });

  it('says for each runbook the proof test/library/ really gives (e2e or golden)', () => {
    const wrong: string[] = [];
    for (const r of [...guideRows, ...stockRows]) {
      const ids = runbooksOf(r).filter((id) => shipped.includes(id));
      const proven = r.cells[r.cells.length - 1]!;
      if (ids.length !== 1 || proven === '—') continue;
      const [id] = ids as [string];
      const says = proven.startsWith('e2e') ? 'e2e' : proven.startsWith('golden') ? 'golden' : 'other';
      const is = e2eTested.has(id) ? 'e2e' : golden.has(id) ? 'golden' : 'none';
      if (says !== 'other' && says !== is) wrong.push(`${r.table} / ${r.cells[0]}: says ${says}, is ${is}`);
    }
    expect(wrong).toEqual([]);
  });
});
