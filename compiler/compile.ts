/**
 * Runbook document → typed {@link Plan}, with the semantic checks that need the compiled shape
 * (step order, targets, actions, expressions). Problems are reported through `report` by JSON
 * pointer (plus an offset inside a string, when known); the validator turns pointers into
 * `line:col`. A plan is only returned when nothing was reported.
 *
 * Not workflow code: the hash uses node:crypto.
 */
import { createHash } from 'node:crypto';
import type * as AjvModule from 'ajv';
import type { ValidateFunction } from 'ajv';
import { ACTIONS, durationMs, getAction } from '../actions';
import { wordParts } from '../actions/shell';
import {
  checkExpression,
  CONDITION_ROOTS,
  isTemplateError,
  parseTemplate,
  referencedKeys,
  referencedSteps,
  SUCCESS_ROOTS,
  templateSecrets,
} from '../expressions';
import {
  DEFAULT_ESCALATION_MS,
  PLAN_VERSION,
  SEVERITIES,
  type CommandStep,
  type DiagnosticStage,
  type ExecutableStep,
  type ExtractSpec,
  type LabelMatcher,
  type NotifySpec,
  type Plan,
  type RemediationStep,
  type Severity,
  type TargetSpec,
  type Template,
  type VerifySpec,
} from '../plan/types';
import type { DiagnosticDoc, RemediationDoc, RunbookDoc, StepDoc } from './document';
import { didYouMean } from './suggest';
import { paramValidators } from '../validator/generated/validators';

/** Reports one problem at a JSON pointer (`/remediations/0/when`), optionally at an offset in the string. */
export type Reporter = (pointer: string, message: string, offset?: number) => void;

export interface CompileOptions {
  /** Known contact (person/team) names; when given, unknown owners/levels/notify targets are errors. */
  contacts?: ReadonlySet<string>;
  /** Known on-call chain names; when given, an unknown `escalation.chain` is an error. */
  chains?: ReadonlySet<string>;
  /**
   * Compute `plan.hash` (default true). Only `firebreak validate` turns it off: it reports
   * diagnostics and never uses the plans, and hashing is ~10% of its run time. Such plans carry
   * `hash: ''` and must not be run.
   */
  hash?: boolean;
}

export const DEFAULTS = {
  diagnosticTimeoutMs: 30_000,
  remediationTimeoutMs: 300_000,
  diagnosticAttempts: 3,
  remediationAttempts: 1,
  retryInitialIntervalMs: 1_000,
  retryBackoff: 2,
  retryMaxIntervalMs: 30_000,
  outputCapBytes: 65_536,
  approvalTimeoutMs: 30 * 60_000,
  verifyAttempts: 3,
  verifyIntervalMs: 10_000,
  resolutionTimeoutMs: 15 * 60_000,
  concurrency: 10,
  notifyOn: ['opened', 'approval_needed', 'escalated', 'resolved'] as const,
};

let paramAjv: AjvModule.Ajv | undefined;
const compiledHere = new Map<string, ValidateFunction>();

/**
 * Action parameter validators (defaults filled in by ajv): compiled ahead of time by
 * validator/generate.ts; an action added since then is compiled here, once.
 */
function paramValidator(action: string): ValidateFunction {
  const pre = Object.prototype.hasOwnProperty.call(paramValidators, action)
    ? paramValidators[action]
    : undefined;
  if (pre) return pre;
  let v = compiledHere.get(action);
  if (!v) {
    // Loaded only on this rare path: ajv's compiler costs ~50 ms to load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Ajv } = require('ajv') as typeof AjvModule;
    paramAjv ??= new Ajv({ allErrors: true, useDefaults: true, strict: false });
    const def = ACTIONS[action];
    v = paramAjv.compile(def ? def.params : {});
    compiledHere.set(action, v);
  }
  return v;
}

const quotedKeys = new Map<string, string>();

/** Canonical JSON: object keys sorted, no whitespace, undefined members dropped (as JSON.stringify). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(obj).sort()) {
    const item = obj[key];
    if (item === undefined || typeof item === 'function') continue;
    let quoted = quotedKeys.get(key);
    if (quoted === undefined) {
      quoted = JSON.stringify(key);
      if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
    }
    out += `${first ? '' : ','}${quoted}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** sha256 (hex) of the canonical JSON of everything in the plan but its hash. */
export function planHash(plan: Omit<Plan, 'hash'> | Plan): string {
  const { hash: _ignored, ...rest } = plan as Plan;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

const ms = (text: string | undefined, fallback: number): number =>
  text === undefined ? fallback : durationMs(text);

interface StepScope {
  /** Steps that have finished before this one may run. */
  before: ReadonlySet<string>;
  /** Every step id in the runbook, to tell "runs later" from "does not exist". */
  all: ReadonlyMap<string, string>;
  self?: string;
}

/** Compiles one validated runbook document. Returns undefined when anything was reported. */
export function compileDocument(
  doc: RunbookDoc,
  file: string,
  report: Reporter,
  options: CompileOptions = {},
): Plan | undefined {
  let failed = false;
  const fail: Reporter = (pointer, message, offset) => {
    failed = true;
    report(pointer, message, offset);
  };
  const vars = doc.vars ?? {};
  const targetsDoc = doc.targets ?? {};
  const targetNames = Object.keys(targetsDoc);

  // ---- expressions and templates -------------------------------------------------------------
  const checkExpr = (expr: string, pointer: string, scope: StepScope, baseOffset = 0): void => {
    const r = checkExpression(expr, CONDITION_ROOTS);
    if (!r.ok) {
      fail(
        pointer,
        `invalid expression ${JSON.stringify(expr)}: ${r.message}`,
        r.offset !== undefined ? baseOffset + r.offset : undefined,
      );
      return;
    }
    for (const v of referencedKeys(expr, 'vars')) {
      if (!Object.prototype.hasOwnProperty.call(vars, v)) {
        fail(
          pointer,
          `undefined variable "vars.${v}"${didYouMean(v, Object.keys(vars))}`,
          baseOffset + Math.max(0, expr.indexOf(`vars.${v}`)),
        );
      }
    }
    for (const s of referencedSteps(expr)) {
      const offset = baseOffset + Math.max(0, expr.indexOf(s));
      if (scope.before.has(s)) continue;
      if (s === scope.self) fail(pointer, `step "${s}" refers to its own result (a cycle)`, offset);
      else if (scope.all.has(s))
        fail(
          pointer,
          `step "${s}" is referenced before it runs (only earlier steps can be used here)`,
          offset,
        );
      else fail(pointer, `unknown step "${s}"${didYouMean(s, scope.all.keys())}`, offset);
    }
  };

  const parseTpl = (
    src: string,
    mode: 'shell' | 'text',
    pointer: string,
    scope: StepScope,
  ): Template | undefined => {
    let t: Template;
    try {
      t = parseTemplate(src, mode);
    } catch (err) {
      if (isTemplateError(err)) {
        fail(pointer, err.message, err.offset);
        return undefined;
      }
      throw err;
    }
    let offset = 0;
    for (const part of t.parts) {
      if ('expr' in part) {
        const at = src.indexOf(part.expr, offset);
        checkExpr(part.expr, pointer, scope, at >= 0 ? at : undefined);
        if (at >= 0) offset = at + part.expr.length;
      } else if ('secret' in part && mode === 'text') {
        fail(
          pointer,
          `secret "${part.secret}" cannot be used here: only shell commands may reference secrets`,
        );
      }
    }
    return t;
  };

  /** Shell-word template for a value (env, cwd): literal text quoted now, expressions at run time. */
  const wordTpl = (src: string, pointer: string, scope: StepScope): Template | undefined => {
    if (!parseTpl(src, 'shell', pointer, scope)) return undefined;
    return { mode: 'shell', parts: wordParts(src) };
  };

  const checkParamTemplates = (value: unknown, pointer: string, scope: StepScope, depth = 0): boolean => {
    if (depth > 20) return true;
    if (typeof value === 'string') return parseTpl(value, 'shell', pointer, scope) !== undefined;
    if (Array.isArray(value))
      return value.every((v, i) => checkParamTemplates(v, `${pointer}/${i}`, scope, depth + 1));
    if (value !== null && typeof value === 'object') {
      return Object.entries(value).every(([k, v]) =>
        checkParamTemplates(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, scope, depth + 1),
      );
    }
    return true;
  };

  // ---- step ids ------------------------------------------------------------------------------
  const allIds = new Map<string, string>();
  const claimId = (id: string | undefined, pointer: string): void => {
    if (id === undefined) return;
    const first = allIds.get(id);
    if (first !== undefined) {
      const where = first
        .slice(1)
        .replace(/\/(\d+)/g, '[$1]')
        .replace(/\//g, '.');
      fail(`${pointer}/id`, `duplicate step id "${id}" (first used at ${where})`);
    } else allIds.set(id, pointer);
  };
  (doc.diagnostics ?? []).forEach((d, i) => {
    if (d.parallel) d.parallel.forEach((s, j) => claimId(s.id, `/diagnostics/${i}/parallel/${j}`));
    else claimId(d.id, `/diagnostics/${i}`);
  });
  (doc.remediations ?? []).forEach((r, i) => {
    claimId(r.id, `/remediations/${i}`);
    (r.verify?.steps ?? []).forEach((s, j) => claimId(s.id, `/remediations/${i}/verify/steps/${j}`));
    if (r.verify && !r.verify.steps) claimId(r.verify.id, `/remediations/${i}/verify`);
  });

  // ---- targets -------------------------------------------------------------------------------
  const targets: Record<string, TargetSpec> = {};
  const noSteps: StepScope = { before: new Set(), all: allIds };
  for (const [name, t] of Object.entries(targetsDoc)) {
    const pointer = `/targets/${name}`;
    const transport = t.transport ?? 'ssh';
    if (transport === 'ssh' && !t.group && !(t.hosts && t.hosts.length > 0)) {
      fail(pointer, `target "${name}" needs hosts or an inventory group`);
    }
    const hosts: Template[] = [];
    (t.hosts ?? []).forEach((h, i) => {
      const tpl = parseTpl(h, 'text', `${pointer}/hosts/${i}`, noSteps);
      if (tpl) hosts.push(tpl);
    });
    const spec: TargetSpec = {
      name,
      transport,
      hosts,
      concurrency: t.concurrency ?? DEFAULTS.concurrency,
      failFast: t.fail_fast ?? false,
    };
    if (t.group !== undefined) spec.group = t.group;
    if (t.user !== undefined) spec.user = t.user;
    if (t.port !== undefined) spec.port = t.port;
    if (t.jump !== undefined) spec.jump = t.jump;
    targets[name] = spec;
  }

  // ---- steps ---------------------------------------------------------------------------------
  type Phase = 'diagnostic' | 'remediation' | 'verify';
  let autoIds = 0;

  const compileStep = (
    s: StepDoc,
    pointer: string,
    phase: Phase,
    scope: StepScope,
    fallbackTarget?: string,
  ): ExecutableStep | undefined => {
    const id = s.id ?? `step-${++autoIds}`;
    if (s.id === undefined && phase !== 'verify') fail(pointer, 'step needs an "id"');
    const kinds = (['run', 'action', 'check'] as const).filter((k) => s[k] !== undefined);
    if (kinds.length === 0) {
      fail(pointer, `step "${id}" needs one of run, action or check`);
      return undefined;
    }
    if (kinds.length > 1) {
      fail(`${pointer}/${kinds[1]}`, `step "${id}" has both ${kinds[0]} and ${kinds[1]}; use exactly one`);
      return undefined;
    }
    const actionName = s.action ?? s.check;
    const def = actionName !== undefined ? getAction(actionName) : undefined;
    if (actionName !== undefined && !def) {
      fail(
        `${pointer}/${s.action !== undefined ? 'action' : 'check'}`,
        `unknown action "${actionName}"${didYouMean(actionName, Object.keys(ACTIONS))}`,
      );
      return undefined;
    }
    if (s.check !== undefined && def && def.kind !== 'check') {
      fail(`${pointer}/check`, `"${s.check}" is not a read-only check; use action: ${s.check}`);
      return undefined;
    }
    if (s.run !== undefined && s.with !== undefined)
      fail(`${pointer}/with`, `"with" only applies to action or check steps`);
    if (phase === 'verify' && def && def.destructive) {
      fail(
        pointer,
        `verify step "${id}" uses destructive action "${def.name}"; verify probes must be read-only`,
      );
      return undefined;
    }
    if (phase === 'diagnostic' && def && def.destructive) {
      fail(
        `${pointer}/action`,
        `diagnostic step "${id}" uses destructive action "${def.name}"; move it to remediations`,
      );
      return undefined;
    }

    let params: Record<string, unknown> = {};
    if (def) {
      params = structuredClone(s.with ?? {});
      const validate = paramValidator(def.name);
      if (!validate(params)) {
        for (const e of validate.errors ?? []) {
          const p = e.params as {
            missingProperty?: string;
            additionalProperty?: string;
            allowedValues?: unknown[];
          };
          if (e.keyword === 'required')
            fail(`${pointer}/with`, `${def.name}: missing parameter "${p.missingProperty}"`);
          else if (e.keyword === 'additionalProperties')
            fail(
              `${pointer}/with/${p.additionalProperty}`,
              `${def.name}: unknown parameter "${p.additionalProperty}"${didYouMean(String(p.additionalProperty), Object.keys((def.params.properties as object) ?? {}))}`,
            );
          else if (e.keyword === 'enum')
            fail(
              `${pointer}/with${e.instancePath}`,
              `${def.name}: ${e.instancePath.slice(1)} must be one of ${(p.allowedValues ?? []).join(', ')}`,
            );
          else
            fail(
              `${pointer}/with${e.instancePath}`,
              `${def.name}: ${e.instancePath.slice(1) || 'with'} ${e.message ?? 'is invalid'}`,
            );
        }
        return undefined;
      }
      if (!checkParamTemplates(params, `${pointer}/with`, scope)) return undefined;
    }

    if (def?.kind === 'wait') {
      return {
        kind: 'wait',
        id,
        title: s.title ?? `wait ${String(params.duration)}`,
        durationMs: durationMs(String(params.duration)),
      };
    }

    const targetName = s.target ?? fallbackTarget ?? (targetNames.length === 1 ? targetNames[0] : undefined);
    if (targetName === undefined) {
      fail(
        pointer,
        targetNames.length === 0
          ? `step "${id}" needs a target, and the runbook defines no targets`
          : `step "${id}" needs a target (one of ${targetNames.join(', ')})`,
      );
      return undefined;
    }
    if (!targets[targetName] && !targetsDoc[targetName]) {
      fail(`${pointer}/target`, `unknown target "${targetName}"${didYouMean(targetName, targetNames)}`);
      return undefined;
    }

    let built: ReturnType<NonNullable<typeof def>['build']> | undefined;
    let commandTpl: Template | undefined;
    if (def) {
      try {
        built = def.build(params);
        commandTpl = built.command;
      } catch (err) {
        fail(`${pointer}/with`, `${def.name}: ${(err as Error).message}`);
        return undefined;
      }
    } else {
      commandTpl = parseTpl(s.run ?? '', 'shell', `${pointer}/run`, scope);
    }
    if (!commandTpl) return undefined;

    const extract: ExtractSpec[] = [...(built?.extract ?? [])];
    for (const [name, e] of Object.entries(s.extract ?? {})) {
      const at = `${pointer}/extract/${name}`;
      if (e.regex === undefined && e.json === undefined) fail(at, `extract "${name}" needs regex or json`);
      if (e.regex !== undefined) {
        try {
          new RegExp(e.regex);
        } catch (err) {
          fail(`${at}/regex`, `invalid regular expression: ${(err as Error).message}`);
        }
      }
      const spec: ExtractSpec = { name, from: e.from ?? 'stdout', type: e.type ?? 'string' };
      if (e.regex !== undefined) spec.regex = e.regex;
      if (e.group !== undefined) spec.group = e.group;
      if (e.json !== undefined) spec.json = e.json;
      if (e.default !== undefined) spec.default = e.default;
      const existing = extract.findIndex((x) => x.name === name);
      if (existing >= 0) extract.splice(existing, 1, spec);
      else extract.push(spec);
    }

    const success = s.success ?? built?.success ?? 'exitCode == 0';
    if (s.success !== undefined) {
      const r = checkExpression(s.success, SUCCESS_ROOTS);
      if (!r.ok)
        fail(
          `${pointer}/success`,
          `invalid success expression ${JSON.stringify(s.success)}: ${r.message}`,
          r.offset,
        );
    }

    const idempotent = def ? def.idempotent : (s.idempotent ?? phase !== 'remediation');
    const destructive = def ? def.destructive : (s.destructive ?? phase === 'remediation');
    if (def && s.idempotent !== undefined && s.idempotent !== def.idempotent)
      fail(`${pointer}/idempotent`, `"idempotent" is declared by action ${def.name}; remove it`);
    if (def && s.destructive !== undefined && s.destructive !== def.destructive)
      fail(`${pointer}/destructive`, `"destructive" is declared by action ${def.name}; remove it`);
    if (!idempotent && s.retries !== undefined && s.retries > 1)
      fail(`${pointer}/retries`, `step "${id}" is not idempotent, so it runs at most once; remove retries`);
    const attempts = idempotent
      ? (s.retries ?? (phase === 'remediation' ? DEFAULTS.remediationAttempts : DEFAULTS.diagnosticAttempts))
      : 1;

    const env: Record<string, Template> = {};
    for (const [k, v] of Object.entries(s.env ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        fail(`${pointer}/env/${k}`, `invalid environment variable name "${k}"`);
      const t = wordTpl(String(v), `${pointer}/env/${k}`, scope);
      if (t) env[k] = t;
    }
    const cwd = s.cwd !== undefined ? wordTpl(s.cwd, `${pointer}/cwd`, scope) : undefined;

    const secrets = new Set<string>(built?.secrets ?? []);
    for (const t of [commandTpl, ...Object.values(env), ...(cwd ? [cwd] : [])])
      for (const n of templateSecrets(t)) secrets.add(n);

    const step: CommandStep = {
      kind: 'command',
      id,
      title: s.title ?? (def ? `${def.name} (${id})` : id),
      target: targetName,
      command: commandTpl,
      sudo: s.sudo ?? built?.sudo ?? false,
      env,
      secrets: [...secrets].sort(),
      extract,
      success,
      timeoutMs: ms(
        s.timeout,
        built?.timeoutMs ??
          (phase === 'remediation' ? DEFAULTS.remediationTimeoutMs : DEFAULTS.diagnosticTimeoutMs),
      ),
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
    if (actionName !== undefined) step.action = actionName;
    if (cwd) step.cwd = cwd;
    return step;
  };

  // ---- diagnostics ---------------------------------------------------------------------------
  const done = new Set<string>();
  const diagnostics: DiagnosticStage[] = [];
  const diagStep = (
    s: StepDoc,
    pointer: string,
    before: ReadonlySet<string>,
  ): DiagnosticStage['steps'][number] | undefined => {
    const scope: StepScope = { before, all: allIds, ...(s.id !== undefined ? { self: s.id } : {}) };
    if (s.when !== undefined) checkExpr(s.when, `${pointer}/when`, scope);
    if (s.on_failure === 'abort')
      fail(`${pointer}/on_failure`, 'diagnostics accept on_failure: continue or escalate');
    const step = compileStep(s, pointer, 'diagnostic', scope);
    if (!step) return undefined;
    const out: DiagnosticStage['steps'][number] = {
      step,
      onFailure: s.on_failure === 'escalate' ? 'escalate' : 'continue',
    };
    if (s.when !== undefined) out.when = s.when;
    return out;
  };
  (doc.diagnostics ?? []).forEach((d: DiagnosticDoc, i) => {
    const pointer = `/diagnostics/${i}`;
    if (d.parallel) {
      const extra = Object.keys(d).filter((k) => k !== 'parallel');
      if (extra.length > 0)
        fail(
          `${pointer}/${extra[0]}`,
          `a parallel stage holds only "parallel"; move "${extra[0]}" into its steps`,
        );
      const before = new Set(done);
      const steps = d.parallel
        .map((s, j) => diagStep(s, `${pointer}/parallel/${j}`, before))
        .filter((x) => x !== undefined);
      d.parallel.forEach((s) => s.id !== undefined && done.add(s.id));
      diagnostics.push({ parallel: true, steps });
    } else {
      const st = diagStep(d, pointer, new Set(done));
      if (d.id !== undefined) done.add(d.id);
      if (st) diagnostics.push({ parallel: false, steps: [st] });
    }
  });

  // ---- remediations --------------------------------------------------------------------------
  const severities = new Set<Severity>([
    doc.metadata.severity,
    ...Object.values(doc.trigger.severityFrom?.map ?? {}),
  ]);
  const urgent = [...severities].filter((s) => s === 'P0' || s === 'P1').sort();
  const remediations: RemediationStep[] = [];
  (doc.remediations ?? []).forEach((r: RemediationDoc, i) => {
    const pointer = `/remediations/${i}`;
    const scope: StepScope = { before: new Set(done), all: allIds, self: r.id };
    if (r.when !== undefined) checkExpr(r.when, `${pointer}/when`, scope);
    const run = compileStep(r, pointer, 'remediation', scope);
    done.add(r.id);
    if (!run) return;
    const destructive = run.kind === 'command' && run.destructive;
    const approval = r.approval ?? (destructive ? 'required' : 'auto');
    if (destructive && approval === 'auto' && urgent.length > 0 && r.allow_auto_destructive !== true) {
      fail(
        `${pointer}/approval`,
        `step "${r.id}" is destructive${run.kind === 'command' && run.action ? ` (${run.action})` : ''} and approval: auto at ${urgent.join('/')}; ` +
          'use approval: required, or set allow_auto_destructive: true to override',
      );
    }
    let verify: VerifySpec | undefined;
    if (r.verify) {
      const v = r.verify;
      const vScope: StepScope = { before: new Set(done), all: allIds };
      const fallback = run.kind === 'command' ? run.target : undefined;
      const docs: [StepDoc, string][] = v.steps
        ? v.steps.map((s, j) => [s, `${pointer}/verify/steps/${j}`])
        : [[{ ...v, id: v.id ?? `${r.id}-verify` }, `${pointer}/verify`]];
      const steps: CommandStep[] = [];
      docs.forEach(([s, at], j) => {
        const { steps: _s, attempts: _a, interval: _i, ...stepOnly } = s as typeof v;
        const st = compileStep(
          { ...stepOnly, id: stepOnly.id ?? `${r.id}-verify-${j + 1}` },
          at,
          'verify',
          vScope,
          fallback,
        );
        if (st && st.kind === 'command') steps.push(st);
        else if (st) fail(at, 'verify probes must be commands or checks, not waits');
      });
      verify = {
        steps,
        attempts: v.attempts ?? DEFAULTS.verifyAttempts,
        intervalMs: ms(v.interval, DEFAULTS.verifyIntervalMs),
      };
    }
    const step: RemediationStep = {
      id: r.id,
      title: r.title ?? run.title,
      run,
      approval,
      approvalTimeoutMs: ms(r.approval_timeout, DEFAULTS.approvalTimeoutMs),
      onFailure: r.on_failure === 'continue' || r.on_failure === 'abort' ? r.on_failure : 'escalate',
    };
    if (r.when !== undefined) step.when = r.when;
    if (verify) step.verify = verify;
    remediations.push(step);
  });

  // ---- trigger -------------------------------------------------------------------------------
  const matchers: LabelMatcher[] = [];
  for (const [label, m] of Object.entries(doc.trigger.match)) {
    const at = `/trigger/match/${label}`;
    const regexOk = (re: string): boolean => {
      try {
        new RegExp(`^(?:${re})$`, 'u');
        return true;
      } catch (err) {
        fail(at, `invalid regular expression for label "${label}": ${(err as Error).message}`);
        return false;
      }
    };
    if (typeof m === 'string') matchers.push({ label, op: 'eq', value: m });
    else if (m.eq !== undefined) matchers.push({ label, op: 'eq', value: m.eq });
    else if (m.not !== undefined) matchers.push({ label, op: 'neq', value: m.not });
    else if (m.regex !== undefined) {
      if (regexOk(m.regex)) matchers.push({ label, op: 'regex', value: m.regex });
    } else if (m.not_regex !== undefined) {
      if (regexOk(m.not_regex)) matchers.push({ label, op: 'nregex', value: m.not_regex });
    } else if (m.exists) matchers.push({ label, op: 'exists' });
    else if (m.absent) matchers.push({ label, op: 'absent' });
  }

  // ---- people --------------------------------------------------------------------------------
  const owners = doc.metadata.owners;
  const contact = (name: string, pointer: string): void => {
    if (options.contacts && !options.contacts.has(name))
      fail(pointer, `unknown contact "${name}"${didYouMean(name, options.contacts)}`);
  };
  owners.forEach((o, i) => contact(o, `/metadata/owners/${i}`));
  const esc = doc.escalation ?? {};
  if (esc.chain !== undefined && options.chains && !options.chains.has(esc.chain)) {
    fail('/escalation/chain', `unknown on-call chain "${esc.chain}"${didYouMean(esc.chain, options.chains)}`);
  }
  (esc.levels ?? []).forEach((level, i) =>
    level.forEach((c, j) => contact(c, `/escalation/levels/${i}/${j}`)),
  );
  const intervalMs = { ...DEFAULT_ESCALATION_MS } as Record<Severity, number>;
  for (const sev of SEVERITIES) {
    const text = esc.interval?.[sev];
    if (text !== undefined) intervalMs[sev] = durationMs(text);
  }
  const notify: NotifySpec[] = doc.notify
    ? doc.notify.map((n, i) => {
        n.to.forEach((c, j) => contact(c, `/notify/${i}/to/${j}`));
        return { on: [...n.on], to: [...n.to] };
      })
    : [{ on: [...DEFAULTS.notifyOn], to: [...owners] }];

  const hasVerify = remediations.some((r) => r.verify);
  const resolutionMode = doc.resolution?.mode ?? (hasVerify ? 'verify' : 'human');
  if (resolutionMode === 'verify' && !hasVerify && doc.resolution?.mode === 'verify') {
    fail('/resolution/mode', 'resolution mode "verify" needs at least one remediation with verify');
  }

  if (failed) return undefined;

  const runbook: Plan['runbook'] = {
    id: doc.metadata.id,
    title: doc.metadata.title,
    service: doc.metadata.service,
    severity: doc.metadata.severity,
    owners: [...owners],
    file,
  };
  if (doc.metadata.description !== undefined) runbook.description = doc.metadata.description;
  if (doc.metadata.source) runbook.source = { ...doc.metadata.source };

  const plan: Omit<Plan, 'hash'> = {
    planVersion: PLAN_VERSION,
    runbook,
    trigger: doc.trigger.severityFrom
      ? {
          matchers,
          severityFrom: { label: doc.trigger.severityFrom.label, map: { ...doc.trigger.severityFrom.map } },
        }
      : { matchers },
    vars: { ...vars },
    targets,
    diagnostics,
    remediations,
    escalation: {
      ...(esc.chain !== undefined ? { chain: esc.chain } : {}),
      levels: esc.levels ?? (esc.chain !== undefined ? [] : [[...owners]]),
      intervalMs,
      repeatLast: esc.repeat_last ?? true,
    },
    notify,
    resolution: {
      mode: resolutionMode,
      timeoutMs: ms(doc.resolution?.timeout, DEFAULTS.resolutionTimeoutMs),
    },
  };
  const { planVersion, ...rest } = plan;
  return { planVersion, hash: options.hash === false ? '' : planHash(plan), ...rest };
}
