/**
 * Issue #15, finding 1: every pattern a runbook supplies runs in linear time (RE2, re2js), inside
 * the workflow sandbox too; the validator refuses what RE2 cannot run at file:line:col; and a
 * fuzz of runbook regexes and expressions against hostile labels stays within a time budget.
 * (The real-engine reproducer is in test/hardening/engine.test.ts.)
 */
import fc from 'fast-check';
import { validateRunbook } from '../../frontend/validator';
import { evaluateCondition, linearRegex, REGEX_LIMITS } from '../../language/expressions';
import { matcherHolds } from '../../language/plan/match';
import { extractValue } from '../../services/transport/output';
import type { ExpressionContext } from '../../contracts/plan';

/** Generous: backtracking on these inputs takes minutes; linear matching takes milliseconds. */
const BUDGET_MS = 5_000;

function ctx(labels: Record<string, string>): ExpressionContext {
  return {
    labels,
    annotations: {},
    alert: {},
    vars: {},
    incident: {},
    steps: {},
  } as unknown as ExpressionContext;
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = f();
  return { value, ms: performance.now() - t };
}

const EVIL = ['(a+)+$', '(a|aa)+$', '(a*)*b', '(.*a){12}', '(\\w+\\s?)+$', '([a-z]+)*[0-9]$', '(x+x+)+y'];
const HOSTILE = [
  `${'a'.repeat(31)}!`,
  `${'a'.repeat(5000)}!`,
  `${'x'.repeat(20_000)}`,
  `${'ab '.repeat(3000)}!`,
];

describe('linear-time patterns', () => {
  test.each(EVIL)(
    '%s against hostile labels: trigger, matches() and extract answer within the budget',
    (re) => {
      for (const value of HOSTILE) {
        const m = timed(() => matcherHolds({ label: 'x', op: 'regex', value: re }, { x: value }));
        const c = timed(() =>
          evaluateCondition(`labels.x.matches(${JSON.stringify(re)})`, ctx({ x: value })),
        );
        const g = timed(() =>
          evaluateCondition(`matches(labels.x, ${JSON.stringify(re)})`, ctx({ x: value })),
        );
        const e = timed(() => extractValue({ name: 'v', from: 'stdout', regex: re, type: 'string' }, value));
        for (const r of [m, c, g, e]) expect(r.ms).toBeLessThan(BUDGET_MS);
        expect(typeof c.value).toBe('boolean');
      }
    },
  );

  test('keeps RE2 (Prometheus) semantics: anchored label matchers, multiline extract', () => {
    expect(matcherHolds({ label: 'env', op: 'regex', value: 'prod|staging' }, { env: 'prod' })).toBe(true);
    expect(matcherHolds({ label: 'env', op: 'regex', value: 'prod' }, { env: 'production' })).toBe(false);
    expect(matcherHolds({ label: 'env', op: 'nregex', value: 'dev.*' }, { env: 'prod' })).toBe(true);
    expect(
      extractValue(
        { name: 'n', from: 'stdout', regex: '^active (\\d+)$', type: 'number' },
        'x\nactive 93\ny',
      ),
    ).toBe(93);
    expect(linearRegex('(?P<n>\\d+)').exec('ab 12')).toEqual(['12', '12']);
  });

  test('an over-long value matches no anchored pattern, and a search looks at its first part only', () => {
    const long = 'a'.repeat(REGEX_LIMITS.maxValueInput + 1);
    expect(matcherHolds({ label: 'x', op: 'regex', value: 'a+' }, { x: long })).toBe(false);
    expect(linearRegex('a{3}').test(long)).toBe(true);
  });

  test('fuzz: generated patterns over hostile labels never exceed the budget nor throw past the expression layer', () => {
    const atom = fc.constantFrom('a', 'a+', 'a*', '.', '.*', '\\w+', '[a-z]*', '(a|aa)', '\\s?', 'b');
    const pattern = fc
      .array(atom, { minLength: 1, maxLength: 6 })
      .chain((parts) =>
        fc.constantFrom(`(${parts.join('')})+$`, `(${parts.join('|')})*b`, `^(${parts.join('')})*$`),
      );
    const label = fc.oneof(
      fc.constantFrom(...HOSTILE),
      fc.string({ maxLength: 200 }),
      fc.nat({ max: 4000 }).map((n) => `${'a'.repeat(n)}!`),
    );
    fc.assert(
      fc.property(pattern, label, (re, value) => {
        const t = performance.now();
        matcherHolds({ label: 'x', op: 'regex', value: re }, { x: value });
        evaluateCondition(
          `labels.x.matches(${JSON.stringify(re)}) || labels.x.size() >= 0`,
          ctx({ x: value }),
        );
        extractValue({ name: 'v', from: 'stdout', regex: re, type: 'string' }, value);
        expect(performance.now() - t).toBeLessThan(BUDGET_MS);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the validator refuses what RE2 cannot run, at file:line:col', () => {
  const runbook = (trigger: string, extract: string, when: string) => `apiVersion: firebreak/v1
kind: Runbook
metadata: { id: re, title: Re, service: s, severity: P3, owners: [alice] }
trigger:
  match: { alertname: X, instance: { regex: "${trigger}" } }
targets: { here: { transport: local, hosts: [localhost] } }
diagnostics:
  - id: d
    run: "true"
    extract: { v: { regex: "${extract}" } }
    when: ${when}
`;

  test('look-ahead in a trigger, a back-reference in extract, look-behind in matches()', () => {
    const r = validateRunbook(
      runbook('db(?=-1)', '(\\\\w)\\\\1', `'labels.instance.matches("(?<!x)y")'`),
      'rb.yaml',
    );
    expect(r.plan).toBeUndefined();
    const lines = r.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^5:48: invalid regular expression for label "instance": invalid or unsupported Perl syntax: `\(\?=`/,
        ),
        expect.stringMatching(/^10:33: invalid regular expression: invalid escape sequence: `\\1`/),
        expect.stringMatching(/^11:36: invalid expression .*matches\(\): invalid pattern "\(\?<!x\)y"/),
      ]),
    );
  });

  test('accepts the backtracking-prone patterns RE2 runs in linear time', () => {
    const r = validateRunbook(runbook('(a+)+$', '(a+)+$', `'labels.instance.matches("(a+)+$")'`), 'rb.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.plan).toBeDefined();
  });
});
