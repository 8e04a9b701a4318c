import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { validateRunbook } from '../../frontend/validator';

const ROOT = join(__dirname, '..', '..');
const seeds = ['service-down.yaml', 'qcat-db-pool-exhausted.yaml', 'marketprism-staged-start.yaml'].map(
  (f) => readFileSync(join(ROOT, 'runbooks', f), 'utf8'),
);

/** Every outcome is either a plan or well-formed positioned diagnostics — never an exception. */
function assertWellFormed(source: string): void {
  const r = validateRunbook(source, 'fuzz.yaml');
  if (r.plan) {
    expect(r.diagnostics).toEqual([]);
    return;
  }
  expect(r.diagnostics.length).toBeGreaterThan(0);
  for (const d of r.diagnostics) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

const SNIPPETS = [
  '\t',
  ':',
  '- ',
  '{{',
  '}}',
  '"',
  "'",
  '\n',
  '  ',
  '&a',
  '*a',
  '!!binary',
  '[',
  ']',
  '{',
  '}',
  '#',
  '\0',
  '|',
  '>',
  '%',
];

describe('validator robustness', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (s) => assertWellFormed(s)),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated real runbooks (deletions, insertions of YAML syntax, line swaps)', () => {
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          del: fc.integer({ min: 0, max: 12 }),
          ins: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 8 })),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        let src = seeds[seed] ?? '';
        for (const e of edits) {
          const at = e.at % (src.length + 1);
          src = src.slice(0, at) + e.ins + src.slice(at + e.del);
        }
        assertWellFormed(src);
      }),
      { numRuns: 400 },
    );
  });

  it('survives an alias bomb', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      ),
    ].join('\n');
    assertWellFormed(bomb);
  });
});
