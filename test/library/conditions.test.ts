/**
 * Every `when:` and `success:` of every runbook evaluates without a type error against results
 * shaped as real ones are: an extracted count is a CEL int, a ratio a double, a flag a bool. (CEL
 * has no implicit int × double: `0.9 * values.limit` fails at run time when `limit` is a count,
 * which escalates the incident instead of deciding; the validator cannot see it, this test does.)
 */
import type { ExtractSpec, ExpressionContext, StepOutcome } from '../../contracts/plan';
import { evaluateCondition, evaluateSuccess } from '../../language/expressions';
import { allSteps, context, fixture, plans } from './support/library';

/** A value of the extract's type, as an extraction from real output produces it. */
function sample(e: ExtractSpec, n: number): unknown {
  if (e.type === 'number') return n;
  if (e.type === 'boolean') return n % 2 === 0;
  if (e.type === 'json') return {};
  return `value-${n}`;
}

function outcomes(p: ReturnType<typeof plans>[number], n: number): Record<string, StepOutcome> {
  const out: Record<string, StepOutcome> = {};
  for (const s of allSteps(p)) {
    if (s.kind !== 'command') continue;
    const values = Object.fromEntries(s.extract.map((e) => [e.name, sample(e, n)]));
    const host = {
      host: 'h',
      ok: n % 2 === 0,
      exitCode: n % 2,
      stdout: `present x ${n}`,
      stderr: '',
      values,
    };
    out[s.id] = { ...host, anyOk: host.ok, allOk: host.ok, hosts: [host] } as never;
  }
  return out;
}

describe('conditions of the shipped runbooks', () => {
  for (const p of plans()) {
    it(`${p.runbook.id}: every when and success evaluates to a bool on real-shaped results`, () => {
      const alert = fixture('blackbox-websocket-health', { mountpoint: '/', name: 'x.service' });
      for (const n of [0, 1, 7, 2_000_000_000]) {
        const ctx: ExpressionContext = context(p, alert, outcomes(p, n));
        const whens = [
          ...p.diagnostics.flatMap((s) => s.steps.flatMap((d) => (d.when ? [d.when] : []))),
          ...p.remediations.flatMap((r) => (r.when ? [r.when] : [])),
        ];
        for (const w of whens) expect(typeof evaluateCondition(w, ctx)).toBe('boolean');
        for (const s of allSteps(p)) {
          if (s.kind !== 'command') continue;
          const host = ctx.steps[s.id]!;
          expect({ step: s.id, ok: typeof evaluateSuccess(s.success, host as never) }).toEqual({
            step: s.id,
            ok: 'boolean',
          });
        }
      }
    });
  }
});
