/**
 * The compiled execution plan: the one contract between the runbook compiler (compiler/) and the
 * incident workflow (workflows/). It is plain JSON (no functions, no Dates, no BigInts) so it can
 * travel in a workflow's input, and it is content-hashed so an incident always names the exact
 * runbook version it started with — and finishes with, since the plan rides in the input.
 *
 * Pure types and constants only: this file is imported by workflow code.
 */

/** Incident severity classes, P0 most urgent (seed guides 003/004). */
export type Severity = 'P0' | 'P1' | 'P2' | 'P3';
export const SEVERITIES: readonly Severity[] = ['P0', 'P1', 'P2', 'P3'];

/** Default wait per escalation level before the next contact is paged (seed 004's table). */
export const DEFAULT_ESCALATION_MS: Readonly<Record<Severity, number>> = {
  P0: 5 * 60_000,
  P1: 15 * 60_000,
  P2: 60 * 60_000,
  P3: 4 * 60 * 60_000,
};

export const PLAN_VERSION = 1 as const;

/**
 * A compiled `{{ … }}` template. Literal parts were written by the runbook author and are used
 * verbatim; expression parts are CEL evaluated at run time against the {@link ExpressionContext}
 * and, in a shell template, always single-quoted (alert values are data, never code). Secret parts
 * render as a reference to an environment variable (`"$FIREBREAK_SECRET_<NAME>"`) that the
 * activity fills in on the target, so a secret's value never enters workflow history.
 */
export type TemplatePart = { lit: string } | { expr: string } | { secret: string };
export interface Template {
  /** 'shell': expression values are shell-quoted; 'text': inserted as plain text (titles, mail). */
  mode: 'shell' | 'text';
  parts: TemplatePart[];
}

/** How a value is pulled out of a step's output for later `when:` conditions. */
export interface ExtractSpec {
  name: string;
  from: 'stdout' | 'stderr';
  /** A regular expression; the value is capture group `group` (default 1, or 0 without groups). */
  regex?: string;
  group?: number;
  /** A dotted path into stdout parsed as JSON (e.g. `data.connections.0.count`). */
  json?: string;
  /** Conversion applied to the raw match; a failed conversion yields `default` (or null). */
  type: 'number' | 'string' | 'boolean' | 'json';
  default?: string | number | boolean | null;
}

/** Activity retry policy for one step (maps onto Temporal's RetryPolicy). */
export interface RetrySpec {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

/** A step that runs one command on every host of a target. */
export interface CommandStep {
  kind: 'command';
  id: string;
  title: string;
  /** Built-in action this step was expanded from (`postgres.terminate_long_queries`), if any. */
  action?: string;
  /** Name of an entry in {@link Plan.targets}. */
  target: string;
  command: Template;
  sudo: boolean;
  cwd?: Template;
  env: Record<string, Template>;
  /** Names of secrets the command references; resolved by the activity, never by the workflow. */
  secrets: string[];
  extract: ExtractSpec[];
  /**
   * CEL over one host's result (`exitCode`, `stdout`, `stderr`, `values`) deciding success;
   * default `exitCode == 0`. The step succeeds when every host succeeds.
   */
  success: string;
  timeoutMs: number;
  retry: RetrySpec;
  /** Non-idempotent steps run at most once: maximumAttempts 1 plus an idempotency key on the target. */
  idempotent: boolean;
  destructive: boolean;
  /** Per-stream cap on captured output kept in history (default 64 KiB), truncation marked. */
  outputCapBytes: number;
}

/** A durable pause (`wait` action): a workflow timer, not a remote `sleep`. */
export interface WaitStep {
  kind: 'wait';
  id: string;
  title: string;
  durationMs: number;
}

export type ExecutableStep = CommandStep | WaitStep;

/** One diagnostic step, with an optional guard and how its failure affects the incident. */
export interface DiagnosticStep {
  step: ExecutableStep;
  /** CEL condition; the step is skipped (and recorded as skipped) when false. */
  when?: string;
  /** Whether a failed diagnostic stops the incident (escalates) or the run goes on. */
  onFailure: 'continue' | 'escalate';
}

/** Diagnostics run stage by stage; the steps of a parallel stage run concurrently. */
export interface DiagnosticStage {
  parallel: boolean;
  steps: DiagnosticStep[];
}

/** How a remediation is checked after it ran: probes polled until they all pass in one attempt. */
export interface VerifySpec {
  /** Probes run in order on each attempt (every one runs, even after one failed). */
  steps: CommandStep[];
  /** Verify polls: up to `attempts` tries, `intervalMs` apart, until every step succeeds. */
  attempts: number;
  /** Pause between two attempts (a durable timer). */
  intervalMs: number;
}

/** One remediation: what runs, who must approve it, how it is verified, and what a failure does. */
export interface RemediationStep {
  /** Step id, unique among remediations; approvals name the step by it. */
  id: string;
  /** One line for people (approval mail, CLI, report). */
  title: string;
  /** CEL condition over labels and diagnostic results; skipped when false. */
  when?: string;
  /** What runs: a command on a target, or a durable wait. */
  run: ExecutableStep;
  /** required: runs only after an approver approves it; auto: runs as soon as it is reached. */
  approval: 'required' | 'auto';
  /** How long an approval request stays open; on expiry the step escalates, never auto-approves. */
  approvalTimeoutMs: number;
  /** Probes that must pass after the step ran before it counts as succeeded. */
  verify?: VerifySpec;
  /** escalate: stop remediating and page a human with the evidence; continue: next step; abort: fail the incident. */
  onFailure: 'escalate' | 'continue' | 'abort';
}

/**
 * Where commands run. Hosts come from inventory groups (worker config) and/or alert labels; the
 * one target resolver (language/plan/targets.ts) turns them into endpoints for `plan` and the
 * activity alike.
 */
export interface TargetSpec {
  name: string;
  transport: 'ssh' | 'local';
  /**
   * Text templates. A value from an expression must be a bare host name or address
   * (`{{ hostOf(labels.instance) }}`); only author text may add `user@` or `:port`.
   */
  hosts: Template[];
  /**
   * Inventory group, as template source: a literal name, or `{{ labels.cluster }}` rendered at run
   * time and looked up in the worker's inventory.
   */
  group?: string;
  user?: string;
  port?: number;
  /** Bastion host (`[user@]host[:port]`), ProxyJump-style. */
  jump?: string;
  /** Fan-out: hosts contacted at once, and whether the first failure stops the rest. */
  concurrency: number;
  failFast: boolean;
}

/** An alert-label matcher; all matchers of a trigger must hold. */
export type LabelMatcher =
  | { label: string; op: 'eq'; value: string }
  | { label: string; op: 'in'; values: string[] }
  | { label: string; op: 'nin'; values: string[] }
  | { label: string; op: 'neq'; value: string }
  | { label: string; op: 'regex'; value: string }
  | { label: string; op: 'nregex'; value: string }
  | { label: string; op: 'exists' }
  | { label: string; op: 'absent' };

/** Alert label → severity (e.g. `severity`: critical → P0). */
export interface SeverityRule {
  label: string;
  map: Record<string, Severity>;
}

export interface TriggerSpec {
  matchers: LabelMatcher[];
  /**
   * Alternatives: when present, at least one group must hold entirely (besides every matcher) —
   * e.g. the service named by `service`, `job` or `container_label_com_docker_compose_service`.
   */
  any?: LabelMatcher[][];
  /** The runbook's own severity mapping; it wins over the library's for a value it maps. */
  severityFrom?: SeverityRule;
  /** The library-wide mapping (engine config), consulted when the runbook's does not decide. */
  severityFromLibrary?: SeverityRule;
}

export interface EscalationSpec {
  /** On-call chain name (on-call config) whose levels are paged in order. */
  chain?: string;
  /** Explicit levels of contacts (person or team names), used when no chain is named. */
  levels: string[][];
  /** Per-severity wait before paging the next level (defaults: {@link DEFAULT_ESCALATION_MS}). */
  intervalMs: Record<Severity, number>;
  /** Keep paging the last level at the interval until someone acknowledges. */
  repeatLast: boolean;
}

export type NotificationKind =
  | 'opened'
  | 'approval_needed'
  | 'escalated'
  | 'remediation_succeeded'
  | 'remediation_failed'
  | 'resolved'
  | 'report';

export interface NotifySpec {
  /** Contacts (person or team names) told about each event kind. */
  on: NotificationKind[];
  to: string[];
}

export interface ResolutionSpec {
  /** verify: closes when remediation's verify passes; alert_resolved: when the alert resolves; human: on ack/close. */
  mode: 'verify' | 'alert_resolved' | 'human';
  /** With alert_resolved: how long to wait for the resolved notification after remediation. */
  timeoutMs: number;
}

export interface PlanRunbookInfo {
  id: string;
  title: string;
  service: string;
  severity: Severity;
  owners: string[];
  description?: string;
  /** Link back to the troubleshooting guide (and section) this runbook was written from. */
  source?: { guide: string; section?: string; url?: string };
  /** Path of the YAML file, relative to the library root. */
  file: string;
}

/** A compiled runbook. */
export interface Plan {
  planVersion: typeof PLAN_VERSION;
  /** sha256 (hex) of the canonical JSON of everything else in the plan. */
  hash: string;
  runbook: PlanRunbookInfo;
  trigger: TriggerSpec;
  /** Runbook-level variables with their default values (`vars.x` in expressions). */
  vars: Record<string, string | number | boolean>;
  targets: Record<string, TargetSpec>;
  diagnostics: DiagnosticStage[];
  remediations: RemediationStep[];
  escalation: EscalationSpec;
  notify: NotifySpec[];
  resolution: ResolutionSpec;
}

/**
 * What expressions see. `steps.<id>` holds the result of a step that ran or failed (the first
 * host's, plus `hosts` for every host and `anyOk`/`allOk`); skipped or not-yet-run steps are absent.
 */
export interface ExpressionContext {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  alert: { status: string; fingerprint: string; startsAt: string; generatorURL: string };
  vars: Record<string, string | number | boolean>;
  incident: { id: string; severity: Severity; runbook: string; service: string };
  steps: Record<string, StepOutcome>;
}

export type ExtractedValue = string | number | boolean | null | unknown[] | Record<string, unknown>;

/** One host's part of a step's result, as expressions see it (`steps.x.hosts[i]`). */
export interface HostOutcome {
  host: string;
  ok: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  values: Record<string, ExtractedValue>;
}

/**
 * A finished step as expressions see it. `exitCode`, `stdout`, `stderr` and `values` are the
 * first host's; `hosts` holds every host (`steps.x.hosts.exists(h, h.values.used > 90)`). A step
 * that could not run at all (no connection, a refused target) is `ok: false`, `exitCode: null`,
 * with empty output.
 */
export interface StepOutcome {
  /** Every host succeeded (same as `allOk`). */
  ok: boolean;
  /** At least one host succeeded. */
  anyOk: boolean;
  /** Every host succeeded (false when the step reached no host). */
  allOk: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  values: Record<string, ExtractedValue>;
  hosts: HostOutcome[];
}
