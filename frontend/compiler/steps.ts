/**
 * One step (`run:`, `action:`, `check:`, or the `wait` action) → an {@link ExecutableStep}. The
 * same rules serve diagnostics, remediations and verify probes; the {@link Phase} sets the
 * defaults (timeouts, attempts) and what is allowed (read-only probes and diagnostics).
 */
import {
  ACTIONS,
  durationMs,
  getAction,
  type ActionDefinition,
  type BuiltCommand,
} from '../../language/actions';
import { checkExpression, SUCCESS_ROOTS, templateSecrets } from '../../language/expressions';
import { didYouMean } from '../loader/suggest';
import type { CommandStep, ExecutableStep, Template, WaitStep } from '../../contracts/plan';
import type { CompileContext, Phase, StepScope } from './context';
import { DEFAULTS, durationOr } from './defaults';
import type { StepDoc } from './document';
import { compileExtract } from './extract';
import { actionParams } from './params';
import { templateAt } from './templates';

/** One step being compiled: as written, where, in which phase and scope, and its id. */
interface StepSite {
  s: StepDoc;
  pointer: string;
  phase: Phase;
  scope: StepScope;
  id: string;
}

/** The action a step names (`action:` or `check:`); neither for a `run:` step. */
interface StepAction {
  name?: string;
  def?: ActionDefinition;
}

/** Which action the step uses, checked against the catalog and the phase; undefined when reported. */
function stepAction(ctx: CompileContext, { s, pointer, phase, id }: StepSite): StepAction | undefined {
  const kinds = (['run', 'action', 'check'] as const).filter((k) => s[k] !== undefined);
  if (kinds.length === 0) {
    ctx.fail(pointer, `step "${id}" needs one of run, action or check`);
    return undefined;
  }
  if (kinds.length > 1) {
    ctx.fail(`${pointer}/${kinds[1]}`, `step "${id}" has both ${kinds[0]} and ${kinds[1]}; use exactly one`);
    return undefined;
  }
  const name = s.action ?? s.check;
  const def = name !== undefined ? getAction(name) : undefined;
  if (name !== undefined && !def) {
    ctx.fail(
      `${pointer}/${s.action !== undefined ? 'action' : 'check'}`,
      `unknown action "${name}"${didYouMean(name, Object.keys(ACTIONS))}`,
    );
    return undefined;
  }
  if (s.check !== undefined && def && def.kind !== 'check') {
    ctx.fail(`${pointer}/check`, `"${s.check}" is not a read-only check; use action: ${s.check}`);
    return undefined;
  }
  if (s.run !== undefined && s.with !== undefined)
    ctx.fail(`${pointer}/with`, `"with" only applies to action or check steps`);
  if (phase === 'verify' && def && def.destructive) {
    ctx.fail(
      pointer,
      `verify step "${id}" uses destructive action "${def.name}"; verify probes must be read-only`,
    );
    return undefined;
  }
  if (phase === 'diagnostic' && def && def.destructive) {
    ctx.fail(
      `${pointer}/action`,
      `diagnostic step "${id}" uses destructive action "${def.name}"; move it to remediations`,
    );
    return undefined;
  }
  return { name, def };
}

/** The target the step runs on: its own, the fallback, or the runbook's only one. */
function stepTarget(
  ctx: CompileContext,
  { s, pointer, id }: StepSite,
  fallback?: string,
): string | undefined {
  const names = ctx.targetNames;
  const target = s.target ?? fallback ?? (names.length === 1 ? names[0] : undefined);
  if (target === undefined) {
    ctx.fail(
      pointer,
      names.length === 0
        ? `step "${id}" needs a target, and the runbook defines no targets`
        : `step "${id}" needs a target (one of ${names.join(', ')})`,
    );
    return undefined;
  }
  if (!ctx.targets[target] && !ctx.targetsDoc[target]) {
    ctx.fail(`${pointer}/target`, `unknown target "${target}"${didYouMean(target, names)}`);
    return undefined;
  }
  return target;
}

/** The command: built by the action from its parameters, or the `run:` template. */
function stepCommand(
  ctx: CompileContext,
  { s, pointer, scope }: StepSite,
  def: ActionDefinition | undefined,
  params: Record<string, unknown>,
): { command: Template | undefined; built?: BuiltCommand } | undefined {
  if (!def) return { command: templateAt(ctx, s.run ?? '', 'shell', `${pointer}/run`, scope) };
  try {
    const built = def.build(params);
    return { command: built.command, built };
  } catch (err) {
    ctx.fail(`${pointer}/with`, `${def.name}: ${(err as Error).message}`);
    return undefined;
  }
}

function checkSuccess(ctx: CompileContext, { s, pointer }: StepSite): void {
  if (s.success === undefined) return;
  const r = checkExpression(s.success, SUCCESS_ROOTS);
  if (!r.ok)
    ctx.fail(
      `${pointer}/success`,
      `invalid success expression ${JSON.stringify(s.success)}: ${r.message}`,
      r.offset,
    );
}

/**
 * Whether the step may be retried and must be approved: an action declares both; a `run:` step
 * may say, else its phase decides (remediations are destructive and run once by default).
 */
function stepSafety(
  ctx: CompileContext,
  { s, pointer, phase, id }: StepSite,
  def: ActionDefinition | undefined,
): { idempotent: boolean; destructive: boolean; attempts: number } {
  const idempotent = def ? def.idempotent : (s.idempotent ?? phase !== 'remediation');
  const destructive = def ? def.destructive : (s.destructive ?? phase === 'remediation');
  if (def && s.idempotent !== undefined && s.idempotent !== def.idempotent)
    ctx.fail(`${pointer}/idempotent`, `"idempotent" is declared by action ${def.name}; remove it`);
  if (def && s.destructive !== undefined && s.destructive !== def.destructive)
    ctx.fail(`${pointer}/destructive`, `"destructive" is declared by action ${def.name}; remove it`);
  if (!idempotent && s.retries !== undefined && s.retries > 1)
    ctx.fail(`${pointer}/retries`, `step "${id}" is not idempotent, so it runs at most once; remove retries`);
  const attempts = idempotent
    ? (s.retries ?? (phase === 'remediation' ? DEFAULTS.remediationAttempts : DEFAULTS.diagnosticAttempts))
    : 1;
  return { idempotent, destructive, attempts };
}

/**
 * `env:` and `cwd:` as text templates: rendered to plain values, which the wrapper quotes once on
 * the target (transport/wrapper.ts) — quoting them here too would hand the command quote marks.
 */
function stepEnvironment(
  ctx: CompileContext,
  { s, pointer, scope }: StepSite,
): { env: Record<string, Template>; cwd: Template | undefined } {
  const env: Record<string, Template> = {};
  for (const [k, v] of Object.entries(s.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      ctx.fail(`${pointer}/env/${k}`, `invalid environment variable name "${k}"`);
    const t = templateAt(ctx, String(v), 'text', `${pointer}/env/${k}`, scope);
    if (t) env[k] = t;
  }
  const cwd = s.cwd !== undefined ? templateAt(ctx, s.cwd, 'text', `${pointer}/cwd`, scope) : undefined;
  return { env, cwd };
}

/** Every secret the step's command, env and cwd reference, sorted. */
function stepSecrets(built: BuiltCommand | undefined, templates: Template[]): string[] {
  const secrets = new Set<string>(built?.secrets ?? []);
  for (const t of templates) for (const n of templateSecrets(t)) secrets.add(n);
  return [...secrets].sort();
}

/** A command step, once its action, target and command are settled. */
function commandStep(
  ctx: CompileContext,
  site: StepSite,
  { name, def }: StepAction,
  target: string,
  command: Template,
  built: BuiltCommand | undefined,
): CommandStep {
  const { s, phase, id } = site;
  const extract = compileExtract(ctx, s.extract, site.pointer, built?.extract);
  const success = s.success ?? built?.success ?? 'exitCode == 0';
  checkSuccess(ctx, site);
  const { idempotent, destructive, attempts } = stepSafety(ctx, site, def);
  const { env, cwd } = stepEnvironment(ctx, site);
  const defaultTimeoutMs =
    phase === 'remediation' ? DEFAULTS.remediationTimeoutMs : DEFAULTS.diagnosticTimeoutMs;
  const step: CommandStep = {
    kind: 'command',
    id,
    title: s.title ?? (def ? `${def.name} (${id})` : id),
    target,
    command,
    sudo: s.sudo ?? built?.sudo ?? false,
    env,
    secrets: stepSecrets(built, [command, ...Object.values(env), ...(cwd ? [cwd] : [])]),
    extract,
    success,
    timeoutMs: durationOr(s.timeout, built?.timeoutMs ?? defaultTimeoutMs),
    retry: {
      maximumAttempts: attempts,
      initialIntervalMs: DEFAULTS.retryInitialIntervalMs,
      backoffCoefficient: DEFAULTS.retryBackoff,
      maximumIntervalMs: DEFAULTS.retryMaxIntervalMs,
    },
    idempotent,
    destructive,
    outputCapBytes: s.output_cap ?? DEFAULTS.outputCapBytes,
  };
  if (name !== undefined) step.action = name;
  if (cwd) step.cwd = cwd;
  return step;
}

function waitStep(s: StepDoc, id: string, params: Record<string, unknown>): WaitStep {
  return {
    kind: 'wait',
    id,
    title: s.title ?? `wait ${String(params.duration)}`,
    durationMs: durationMs(String(params.duration)),
  };
}

/**
 * Compiles one step; undefined when it cannot be compiled (reported). `fallbackTarget` is the
 * target of the remediation a verify probe checks.
 */
export function compileStep(
  ctx: CompileContext,
  s: StepDoc,
  pointer: string,
  phase: Phase,
  scope: StepScope,
  fallbackTarget?: string,
): ExecutableStep | undefined {
  const id = s.id ?? ctx.autoId();
  if (s.id === undefined && phase !== 'verify') ctx.fail(pointer, 'step needs an "id"');
  const site: StepSite = { s, pointer, phase, scope, id };
  const action = stepAction(ctx, site);
  if (!action) return undefined;
  let params: Record<string, unknown> = {};
  if (action.def) {
    const checked = actionParams(ctx, action.def, s.with, pointer, scope);
    if (!checked) return undefined;
    params = checked;
  }
  if (action.def?.kind === 'wait') return waitStep(s, id, params);
  const target = stepTarget(ctx, site, fallbackTarget);
  if (target === undefined) return undefined;
  const made = stepCommand(ctx, site, action.def, params);
  if (!made?.command) return undefined;
  return commandStep(ctx, site, action, target, made.command, made.built);
}
