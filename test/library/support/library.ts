/**
 * The shipped library for tests that look inside it: plans by id, steps by id, fixture alerts,
 * and a step's command rendered as the incident would render it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertInstance } from '../../../contracts/alert';
import type {
  CommandStep,
  ExecutableStep,
  ExpressionContext,
  Plan,
  RemediationStep,
  StepOutcome,
} from '../../../contracts/plan';
import { parseAlertmanagerWebhook } from '../../../frontend/alerts/alertmanager';
import { loadLibrary } from '../../../frontend/library';
import { evaluateCondition, renderTemplate } from '../../../language/expressions';
import { initialContext } from '../../../language/plan/context';

export const ROOT = join(__dirname, '..', '..', '..');
const library = loadLibrary(join(ROOT, 'runbooks'));

export function plan(id: string): Plan {
  const p = library.plans.find((x) => x.runbook.id === id);
  if (!p) throw new Error(`no runbook ${id}`);
  return p;
}

export function plans(): Plan[] {
  return library.plans;
}

/** Every executable step of a plan: diagnostics, remediations and their verify probes. */
export function allSteps(p: Plan): ExecutableStep[] {
  return [
    ...p.diagnostics.flatMap((s) => s.steps.map((d) => d.step)),
    ...p.remediations.flatMap((r) => [r.run, ...(r.verify?.steps ?? [])]),
  ];
}

export function step(p: Plan, id: string): CommandStep {
  const s = allSteps(p).find((x) => x.id === id);
  if (!s || s.kind !== 'command') throw new Error(`${p.runbook.id} has no command step ${id}`);
  return s;
}

export function remediation(p: Plan, id: string): RemediationStep {
  const r = p.remediations.find((x) => x.id === id);
  if (!r) throw new Error(`${p.runbook.id} has no remediation ${id}`);
  return r;
}

/** The first alert of a committed fixture (examples/alerts/library/<name>.json). */
export function fixture(name: string, labels: Record<string, string> = {}): AlertInstance {
  const body = JSON.parse(readFileSync(join(ROOT, 'examples', 'alerts', 'library', `${name}.json`), 'utf8'));
  const [a] = parseAlertmanagerWebhook(body);
  return { ...a!, labels: { ...a!.labels, ...labels } };
}

export function context(
  p: Plan,
  alert: AlertInstance,
  steps: Record<string, StepOutcome> = {},
): ExpressionContext {
  return { ...initialContext(p, alert, `incident-${p.runbook.id}-test`, p.runbook.severity), steps };
}

/** The step's command as the incident renders it for this alert. */
export function command(p: Plan, id: string, alert: AlertInstance): string {
  return renderTemplate(step(p, id).command, context(p, alert));
}

/** A finished step's outcome, as `when:` conditions read it. */
export function outcome(ok: boolean, values: Record<string, unknown> = {}, stdout = ''): StepOutcome {
  const host = { host: 'h', ok, exitCode: ok ? 0 : 1, stdout, stderr: '', values: values as never };
  return {
    ok,
    anyOk: ok,
    allOk: ok,
    exitCode: host.exitCode,
    stdout,
    stderr: '',
    values: values as never,
    hosts: [host],
  };
}

/** Whether remediation `id` would run after these step outcomes. */
export function wouldRun(
  p: Plan,
  id: string,
  alert: AlertInstance,
  steps: Record<string, StepOutcome>,
): boolean {
  const r = remediation(p, id);
  return r.when === undefined || evaluateCondition(r.when, context(p, alert, steps));
}
