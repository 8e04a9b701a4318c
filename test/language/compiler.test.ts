import { planHash } from '../../frontend/compiler/compile';
import { DEFAULT_ESCALATION_MS, type CommandStep, type Plan } from '../../contracts/plan';
import { validateRunbook } from '../../frontend/validator';

const SOURCE = `
apiVersion: firebreak/v1
kind: Runbook
metadata: { id: demo, title: Demo, service: qcat, severity: P2, owners: [sre] }
trigger:
  match: { alertname: Demo, env: { not: staging }, team: { exists: true }, x: { not_regex: "a.*" }, y: { absent: true }, host: { exists: true } }
vars: { dir: /var/log/qcat }
targets:
  app: { hosts: ["{{ labels.host }}"], user: firebreak, port: 2222 }
diagnostics:
  - parallel:
      - { id: a, run: "echo {{ labels.host }}" }
      - { id: b, check: port.check, with: { port: 8082 } }
  - id: c
    when: steps.a.ok && steps.b.ok
    run: PGPASSWORD={{ secrets.pg-pass }} psql -c "select 1"
    env: { TARGET: "{{ vars.dir }}/x y" }
remediations:
  - id: pause
    action: wait
    with: { duration: 30s }
  - id: clean
    action: logs.cleanup
    with: { path: "{{ vars.dir }}" }
    verify: { check: disk.check, with: { path: "{{ vars.dir }}" } }
`;

function compile(source = SOURCE): Plan {
  const r = validateRunbook(source, 'demo.yaml');
  expect(r.diagnostics).toEqual([]);
  if (!r.plan) throw new Error('no plan');
  return r.plan;
}

describe('compiler', () => {
  const plan = compile();

  it('compiles trigger operators into label matchers', () => {
    expect(plan.trigger.matchers).toEqual([
      { label: 'alertname', op: 'eq', value: 'Demo' },
      { label: 'env', op: 'neq', value: 'staging' },
      { label: 'team', op: 'exists' },
      { label: 'x', op: 'nregex', value: 'a.*' },
      { label: 'y', op: 'absent' },
      { label: 'host', op: 'exists' },
    ]);
  });

  it('keeps parallel stages and applies diagnostic defaults (3 attempts, 30 s, 64 KiB)', () => {
    expect(plan.diagnostics.map((s) => [s.parallel, s.steps.map((x) => x.step.id)])).toEqual([
      [true, ['a', 'b']],
      [false, ['c']],
    ]);
    const a = plan.diagnostics[0]?.steps[0]?.step as CommandStep;
    expect(a.retry.maximumAttempts).toBe(3);
    expect(a.timeoutMs).toBe(30_000);
    expect(a.outputCapBytes).toBe(65_536);
    expect(a.target).toBe('app');
  });

  it('collects secrets and keeps env values as plain text templates, for the wrapper to quote once', () => {
    const c = plan.diagnostics[1]?.steps[0]?.step as CommandStep;
    expect(c.secrets).toEqual(['pg-pass']);
    expect(c.env.TARGET).toEqual({ mode: 'text', parts: [{ expr: 'vars.dir' }, { lit: '/x y' }] });
  });

  it('compiles wait into a durable timer and destructive actions behind approval with one attempt', () => {
    expect(plan.remediations[0]?.run).toEqual({
      kind: 'wait',
      id: 'pause',
      title: 'wait 30s',
      durationMs: 30_000,
    });
    const clean = plan.remediations[1];
    expect(clean?.approval).toBe('required');
    expect(clean?.approvalTimeoutMs).toBe(30 * 60_000);
    expect(clean?.onFailure).toBe('escalate');
    const run = clean?.run as CommandStep;
    expect(run.destructive).toBe(true);
    expect(run.retry.maximumAttempts).toBe(1);
    expect(run.timeoutMs).toBe(300_000);
    expect(clean?.verify?.steps[0]?.target).toBe('app');
    expect(clean?.verify).toMatchObject({ attempts: 3, intervalMs: 10_000 });
  });

  it('defaults escalation to the owners with the seed-guide timers, and resolution to verify', () => {
    expect(plan.escalation).toEqual({
      levels: [['sre']],
      intervalMs: DEFAULT_ESCALATION_MS,
      repeatLast: true,
    });
    expect(plan.notify).toEqual([
      { on: ['opened', 'approval_needed', 'escalated', 'resolved'], to: ['sre'] },
    ]);
    expect(plan.resolution).toEqual({ mode: 'verify', timeoutMs: 15 * 60_000 });
  });

  it('produces plain JSON (no BigInt, no functions) with a stable content hash', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(plan.hash).toBe(planHash(plan));
    expect(compile().hash).toBe(plan.hash);
    expect(compile(SOURCE.replace('30s', '31s')).hash).not.toBe(plan.hash);
  });

  it('hashes independently of key order', () => {
    const reverse = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;
    const reordered = { ...reverse(plan), runbook: reverse(plan.runbook), trigger: reverse(plan.trigger) };
    expect(planHash(reordered)).toBe(plan.hash);
  });
});
