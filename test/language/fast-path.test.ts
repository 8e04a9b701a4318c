/**
 * The loader's fast path (js-yaml with a YAML 1.2 core schema) must never accept a document the
 * positioned parser (`yaml`) rejects, nor read any value differently: the runbook an incident
 * runs is the runbook the author wrote, whichever parser read it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadYamlPositioned } from '../../frontend/loader';
import { fastLoad } from '../../frontend/loader/fast';

const ROOT = join(__dirname, '..', '..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Checks agreement on one source; returns whether the fast path vouched for it. */
function agree(source: string): boolean {
  const fast = fastLoad(source);
  if (!fast) return false;
  const slow = loadYamlPositioned(source, 'doc.yaml');
  expect(slow.diagnostics).toEqual([]);
  expect(fast.value).toEqual(slow.value);
  return true;
}

/** Plain scalars whose type differs between YAML versions and schemas. */
const TRICKY = [
  '017',
  '0o17',
  '0x1F',
  '0X1F',
  '1_000',
  '+12',
  '-0',
  '1e3',
  '1E+3',
  '.5',
  '5.',
  '+.inf',
  '-.Inf',
  '.NaN',
  '.nan',
  'nan',
  'inf',
  '~',
  'null',
  'Null',
  'NULL',
  'nULL',
  'true',
  'True',
  'TRUE',
  'tRUE',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  '2026-11-21',
  '2026-11-21T10:00:00Z',
  '12:30',
  '1:20:30',
  '0b101',
  '0.1.2',
  '1e',
  'e3',
  '+',
  '-',
  '.',
  '0o8',
  '0xG',
  '123abc',
  '٣',
  '1,000',
];

describe('the loader fast path', () => {
  it('reads every runbook and fixture exactly as the positioned parser does', () => {
    const library = yamlFiles(join(ROOT, 'runbooks'));
    const fixtures = yamlFiles(join(ROOT, 'test', 'language', 'fixtures'));
    expect(library.length).toBeGreaterThanOrEqual(12);
    for (const f of fixtures) agree(readFileSync(f, 'utf8'));
    const fast = library.filter((f) => agree(readFileSync(f, 'utf8')));
    // The whole library takes the fast path: that is what makes validation fast.
    expect(fast).toEqual(library);
  });

  it('takes a flow map opened on its own line under its key, and leaves one that falls back to the key', () => {
    // prettier's style for long flow maps: the closing brace at the opening line's indentation.
    expect(agree('source:\n  {\n    guide: a.txt,\n    section: b,\n  }\nnext: 1\n')).toBe(true);
    expect(agree('a:\n  b:\n    [\n      1,\n      2,\n    ]\n')).toBe(true);
    // Not past the key that owns it: the positioned parser decides (and reports) these.
    expect(fastLoad('source:\n  {\n    guide: a.txt,\n}\n')).toBeUndefined();
    expect(fastLoad('- source:\n  {\n    guide: a.txt,\n  }\n')).toBeUndefined();
  });

  it('resolves every tricky plain scalar to the same value and type', () => {
    for (const t of TRICKY) {
      for (const doc of [`v: ${t}\n`, `- ${t}\n`, `v: [${t}]\n`, `v: {k: ${t}}\n`, `${t}: x\n`]) {
        const fast = fastLoad(doc);
        if (!fast) continue;
        const slow = loadYamlPositioned(doc, 'doc.yaml');
        expect(slow.diagnostics).toEqual([]);
        expect({ doc, value: fast.value }).toEqual({ doc, value: slow.value });
      }
    }
  });

  it('agrees on generated documents built from arbitrary values', () => {
    const scalar = fc.oneof(
      fc.constantFrom(...TRICKY),
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie('node'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(value.map, fc.boolean(), (v, flow) => {
        agree(stringify(v, { collectionStyle: flow ? 'flow' : 'block' }));
      }),
      { numRuns: 300 },
    );
  });

  it('never vouches for a mutated runbook the positioned parser rejects, and agrees on the rest', () => {
    const seeds = yamlFiles(join(ROOT, 'runbooks')).map((f) => readFileSync(f, 'utf8'));
    const snippets = [
      '\t',
      ':',
      '- ',
      '"',
      "'",
      '\n',
      '  ',
      '&a ',
      '*a',
      '!!str ',
      '[',
      ']',
      '{',
      '}',
      '#',
      '|',
      '>',
      ': x',
      '<<: ',
      '? ',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...snippets)), {
          minLength: 1,
          maxLength: 4,
        }),
        (seed, edits) => {
          let s = seeds[seed] as string;
          for (const [at, del, ins] of edits) {
            const i = at % (s.length + 1);
            s = s.slice(0, i) + ins + s.slice(i + del);
          }
          agree(s);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('leaves documents with aliases, duplicate keys or binary junk to the positioned parser', () => {
    expect(fastLoad('a: &x [1, 2]\nb: *x\n')).toBeUndefined();
    expect(fastLoad('a: 1\na: 2\n')).toBeUndefined();
    expect(fastLoad('')).toBeUndefined();
    expect(fastLoad('a:\n\tb: 1\n')).toBeUndefined();
  });
});
