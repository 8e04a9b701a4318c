/**
 * `firebreak plan [runbook-file-or-id] --alert payload.json [--runbooks DIR] [--config FILE] [--json]`
 * — a dry run: for each alert in an Alertmanager payload, the matching runbook(s) and exactly what
 * would run where (the exact `user@host:port`, resolved against the config's inventory by the
 * resolver the worker uses), in what order, behind which approval gates, with which escalation
 * timers and which severity rule. Commands are rendered with the alert's labels, so hostile label
 * values show up only quoted.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAlertmanagerWebhook } from '../../frontend/alerts/alertmanager';
import type { AlertInstance } from '../../contracts/alert';
import { renderTemplate } from '../../language/expressions';
import { loadLibrary, matchAlert } from '../../frontend/library';
import { catchAllFor, splitCatchAll } from '../../frontend/library/catch-all';
import type { RoutedPlans } from '../../frontend/library/catch-all';
import { formatDiagnostics } from '../../frontend/loader/diagnostics';
import { incidentWorkflowId, initialContext } from '../../language/plan/context';
import { severityDecision } from '../../language/plan/match';
import { loadTargetSettings, type TargetSettings } from '../../services/config';
import type { CommandStep, ExecutableStep, ExpressionContext, Plan, Template } from '../../contracts/plan';
import type { CliIO } from './io';
import { EXIT } from './io';
import { targetText, targetView, type TargetView } from './plan-targets';

const USAGE =
  'usage: firebreak plan [runbook-file-or-id] --alert payload.json [--runbooks DIR] [--config FILE] [--json]\n' +
  '  --runbooks defaults to $FIREBREAK_RUNBOOKS, else runbooks/; FIREBREAK_CATCH_ALL names the catch-all runbook\n' +
  '  --config (default $FIREBREAK_CONFIG) supplies the inventory, strict mode and severity mapping\n';

function fmtMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function render(t: Template, ctx: ExpressionContext): string {
  try {
    return renderTemplate(t, ctx);
  } catch (err) {
    // Templates that read earlier steps' results can only be rendered during the incident.
    return `<decided at run time: ${(err as Error).message}>`;
  }
}

interface StepView {
  id: string;
  title: string;
  kind: 'command' | 'wait';
  target?: string;
  action?: string;
  command?: string;
  sudo?: boolean;
  env?: Record<string, string>;
  durationMs?: number;
  timeoutMs?: number;
  attempts?: number;
  destructive?: boolean;
  success?: string;
}

function stepView(step: ExecutableStep, ctx: ExpressionContext): StepView {
  if (step.kind === 'wait')
    return { id: step.id, title: step.title, kind: 'wait', durationMs: step.durationMs };
  const c: CommandStep = step;
  const v: StepView = {
    id: c.id,
    title: c.title,
    kind: 'command',
    target: c.target,
    command: render(c.command, ctx),
    sudo: c.sudo,
    timeoutMs: c.timeoutMs,
    attempts: c.retry.maximumAttempts,
    destructive: c.destructive,
    success: c.success,
  };
  if (c.action) v.action = c.action;
  if (Object.keys(c.env).length > 0)
    v.env = Object.fromEntries(Object.entries(c.env).map(([k, t]) => [k, render(t, ctx)]));
  return v;
}

function planView(plan: Plan, alert: AlertInstance, settings: TargetSettings): Record<string, unknown> {
  const decision = severityDecision(plan, alert.labels);
  const severity = decision.severity;
  const id = incidentWorkflowId(plan.runbook.id, alert.fingerprint);
  const ctx: ExpressionContext = initialContext(plan, alert, id, severity);
  return {
    runbook: plan.runbook.id,
    title: plan.runbook.title,
    file: plan.runbook.file,
    hash: plan.hash,
    severity,
    severityRule: decision.rule,
    incidentId: id,
    targets: Object.values(plan.targets).map((t) => targetView(t, ctx, settings)),
    diagnostics: plan.diagnostics.map((stage) => ({
      parallel: stage.parallel,
      steps: stage.steps.map((s) => ({
        ...stepView(s.step, ctx),
        ...(s.when ? { when: s.when } : {}),
        onFailure: s.onFailure,
      })),
    })),
    remediations: plan.remediations.map((r) => ({
      ...stepView(r.run, ctx),
      id: r.id,
      title: r.title,
      ...(r.when ? { when: r.when } : {}),
      approval: r.approval,
      approvalTimeoutMs: r.approvalTimeoutMs,
      onFailure: r.onFailure,
      ...(r.verify
        ? {
            verify: {
              attempts: r.verify.attempts,
              intervalMs: r.verify.intervalMs,
              steps: r.verify.steps.map((s) => stepView(s, ctx)),
            },
          }
        : {}),
    })),
    escalation: {
      ...(plan.escalation.chain !== undefined ? { chain: plan.escalation.chain } : {}),
      levels: plan.escalation.levels,
      intervalMs: plan.escalation.intervalMs[severity],
      repeatLast: plan.escalation.repeatLast,
    },
    notify: plan.notify,
    resolution: plan.resolution,
  };
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

function stepText(v: StepView, prefix: string): string {
  if (v.kind === 'wait') return `${prefix}wait ${fmtMs(v.durationMs ?? 0)} (durable timer)`;
  const head = `${prefix}on ${v.target}${v.sudo ? ' (sudo)' : ''}, timeout ${fmtMs(v.timeoutMs ?? 0)}, up to ${v.attempts} attempt(s), success: ${v.success}`;
  const env = v.env ? Object.entries(v.env).map(([k, val]) => `${prefix}  env ${k}=${val}`) : [];
  return [head, ...env, indent(v.command ?? '', `${prefix}  $ `)].join('\n');
}

function text(view: Record<string, unknown>): string {
  const v = view as ReturnType<typeof planView> & {
    targets: TargetView[];
    diagnostics: { parallel: boolean; steps: (StepView & { when?: string; onFailure: string })[] }[];
    remediations: (StepView & {
      when?: string;
      approval: string;
      approvalTimeoutMs: number;
      onFailure: string;
      verify?: { attempts: number; intervalMs: number; steps: StepView[] };
    })[];
    escalation: { chain?: string; levels: string[][]; intervalMs: number; repeatLast: boolean };
    notify: { on: string[]; to: string[] }[];
    resolution: { mode: string; timeoutMs: number };
  };
  const out: string[] = [];
  out.push(
    `  runbook ${String(v.runbook)} — ${String(v.title)} (${String(v.file)}, plan ${String(v.hash).slice(0, 12)})`,
  );
  out.push(`  severity ${String(v.severity)} (${String(v.severityRule)}), incident ${String(v.incidentId)}`);
  for (const t of v.targets) out.push(...targetText(t));
  out.push('  diagnostics:');
  if (v.diagnostics.length === 0) out.push('    (none)');
  v.diagnostics.forEach((stage, i) => {
    out.push(`    stage ${i + 1}${stage.parallel ? ' (parallel)' : ''}:`);
    for (const s of stage.steps) {
      out.push(
        `      - ${s.id}: ${s.title}${s.when ? ` [when ${s.when}]` : ''}${s.onFailure === 'escalate' ? ' [escalate on failure]' : ''}`,
      );
      out.push(stepText(s, '        '));
    }
  });
  out.push('  remediations:');
  if (v.remediations.length === 0) out.push('    (none — a human takes it from here)');
  v.remediations.forEach((r, i) => {
    const gate =
      r.approval === 'required'
        ? `APPROVAL REQUIRED (request open ${fmtMs(r.approvalTimeoutMs)}, then escalate)`
        : 'runs automatically';
    out.push(
      `    ${i + 1}. ${r.id}: ${r.title}${r.action ? ` [${r.action}]` : ''}${r.destructive ? ' [destructive]' : ''} — ${gate}`,
    );
    if (r.when) out.push(`       only when ${r.when}`);
    out.push(stepText(r, '       '));
    if (r.verify) {
      out.push(`       verify: up to ${r.verify.attempts} poll(s), ${fmtMs(r.verify.intervalMs)} apart`);
      for (const s of r.verify.steps) out.push(stepText(s, '         '));
    }
    out.push(`       on failure: ${r.onFailure}`);
  });
  const e = v.escalation;
  const levels = e.levels.map((l, i) => `${i + 1}) ${l.join(' + ')}`).join('  ');
  out.push(
    `  escalation: ${e.chain ? `chain ${e.chain}` : 'explicit levels'}${levels ? `  ${levels}` : ''}; next level after ${fmtMs(e.intervalMs)} without ack${e.repeatLast ? ', last level repeats' : ''}`,
  );
  for (const n of v.notify) out.push(`  notify ${n.to.join(', ')} on ${n.on.join(', ')}`);
  out.push(
    `  resolution: ${v.resolution.mode}${v.resolution.mode === 'alert_resolved' ? ` (wait ${fmtMs(v.resolution.timeoutMs)})` : ''}`,
  );
  return out.join('\n');
}

/** The command line of `firebreak plan`, or the exit code when it is a usage error or --help. */
interface PlanArgs {
  alertFile: string;
  runbooksDir: string;
  wanted?: string;
  json: boolean;
  /** Where the inventory and severity mapping come from (else FIREBREAK_CONFIG, else the default). */
  configFile?: string;
}

function parsePlanArgs(argv: string[], io: CliIO): PlanArgs | number {
  let alertFile: string | undefined;
  // Like `firebreak start`: the library is FIREBREAK_RUNBOOKS unless --runbooks names another.
  let runbooksDir = envValue(io.env, 'FIREBREAK_RUNBOOKS') ?? 'runbooks';
  let configFile: string | undefined;
  let json = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--json') json = true;
    else if (a === '--alert' || a === '--runbooks' || a === '--config') {
      const v = argv[++i];
      if (v === undefined) {
        io.err(`firebreak plan: ${a} needs a value\n${USAGE}`);
        return EXIT.usage;
      }
      if (a === '--alert') alertFile = v;
      else if (a === '--config') configFile = v;
      else runbooksDir = v;
    } else if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return EXIT.ok;
    } else if (a.startsWith('-')) {
      io.err(`firebreak plan: unknown option "${a}"\n${USAGE}`);
      return EXIT.usage;
    } else positional.push(a);
  }
  if (alertFile === undefined || positional.length > 1) {
    io.err(
      `firebreak plan: ${alertFile === undefined ? '--alert is required' : 'at most one runbook'}\n${USAGE}`,
    );
    return EXIT.usage;
  }
  return {
    alertFile,
    runbooksDir,
    json,
    ...(positional[0] !== undefined ? { wanted: positional[0] } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
  };
}

/**
 * The plans to match: a named runbook (a file, validated alone, or an id in the library), else the
 * library with its catch-all (FIREBREAK_CATCH_ALL) set apart as the intake does. A number is the
 * exit code of a failure already printed.
 */
function selectPlans(a: PlanArgs, io: CliIO, settings: TargetSettings): RoutedPlans | number {
  let source = resolve(io.cwd, a.runbooksDir);
  let byId: string | undefined;
  if (a.wanted !== undefined) {
    let isFile: boolean;
    try {
      isFile = statSync(resolve(io.cwd, a.wanted)).isFile();
    } catch {
      isFile = false;
    }
    if (isFile) source = resolve(io.cwd, a.wanted);
    else byId = a.wanted;
  }
  const lib = loadLibrary(source, settings.severityFrom ? { severityFrom: settings.severityFrom } : {});
  if (lib.diagnostics.some((d) => d.severity === 'error')) {
    for (const line of formatDiagnostics(lib.diagnostics)) io.err(line);
    return EXIT.failed;
  }
  if (byId !== undefined) {
    const plans = lib.plans.filter((p) => p.runbook.id === byId);
    if (plans.length === 0) {
      io.err(`firebreak plan: no runbook with id "${byId}" in ${a.runbooksDir}`);
      return EXIT.failed;
    }
    return { direct: plans };
  }
  if (a.wanted !== undefined) return { direct: lib.plans };
  try {
    return splitCatchAll(lib.plans, envValue(io.env, 'FIREBREAK_CATCH_ALL'));
  } catch (err) {
    io.err(`firebreak plan: ${(err as Error).message}`);
    return EXIT.failed;
  }
}

/** A non-empty, trimmed environment value. */
function envValue(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const v = env[key]?.trim();
  return v ? v : undefined;
}

type PlanResult = {
  alert: Pick<AlertInstance, 'status' | 'fingerprint' | 'labels' | 'annotations'>;
  matches: Record<string, unknown>[];
  /** The catch-all runbook that takes the alert because no other runbook matched it. */
  catchAll?: string;
};

function planAlert(routed: RoutedPlans, alert: AlertInstance, settings: TargetSettings): PlanResult {
  const direct = matchAlert(routed.direct, alert);
  const caught = direct.length === 0 ? catchAllFor(routed, alert) : undefined;
  return {
    alert: {
      status: alert.status,
      fingerprint: alert.fingerprint,
      labels: alert.labels,
      annotations: alert.annotations,
    },
    matches: (caught ? [caught] : direct).map((p) => planView(p, alert, settings)),
    ...(caught ? { catchAll: caught.runbook.id } : {}),
  };
}

function resultsText(results: PlanResult[]): string {
  const out: string[] = [];
  results.forEach((r, i) => {
    const labels = Object.entries(r.alert.labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    out.push(
      `alert ${i + 1}/${results.length} [${r.alert.status}] fingerprint ${r.alert.fingerprint}: ${labels}`,
    );
    if (r.matches.length === 0) out.push('  no runbook matches this alert');
    else if (r.catchAll)
      out.push(`  no runbook matches this alert; the catch-all runbook ${r.catchAll} takes it:`);
    if (r.matches.length > 0 && r.alert.status === 'resolved') {
      // A resolved alert starts nothing; it is signalled to the open incident, if any.
      for (const m of r.matches)
        out.push(
          `  resolved: signals incident ${String(m.incidentId)} (runbook ${String(m.runbook)}) if open; starts nothing`,
        );
    } else for (const m of r.matches) out.push(text(m));
    out.push('');
  });
  return out.join('\n');
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const a = parsePlanArgs(argv, io);
  if (typeof a === 'number') return a;
  let alerts: AlertInstance[];
  try {
    alerts = parseAlertmanagerWebhook(JSON.parse(readFileSync(resolve(io.cwd, a.alertFile), 'utf8')));
  } catch (err) {
    io.err(`firebreak plan: ${a.alertFile}: ${(err as Error).message}`);
    return EXIT.failed;
  }
  let settings: TargetSettings;
  try {
    const env = a.configFile !== undefined ? { ...io.env, FIREBREAK_CONFIG: a.configFile } : io.env;
    settings = loadTargetSettings(env, io.cwd);
  } catch (err) {
    io.err(`firebreak plan: ${(err as Error).message}`);
    return EXIT.failed;
  }
  const routed = selectPlans(a, io, settings);
  if (typeof routed === 'number') return routed;
  const results = alerts.map((alert) => planAlert(routed, alert, settings));
  io.out(a.json ? JSON.stringify({ alerts: results }, null, 2) : resultsText(results));
  return EXIT.ok;
}
