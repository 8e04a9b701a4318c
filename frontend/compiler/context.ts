/**
 * What every part of the compiler shares while compiling one document: the document and the
 * options, the diagnostics sink (which remembers that something was reported), and the step
 * bookkeeping that expressions are checked against.
 */
import type { SeverityRule, TargetSpec } from '../../contracts/plan';
import type { RunbookDoc, Scalar, TargetDoc } from './document';

/** Reports one problem at a JSON pointer (`/remediations/0/when`), optionally at an offset in the string. */
export type Reporter = (pointer: string, message: string, offset?: number) => void;

/** What the compiler may check beyond the runbook itself. */
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
  /**
   * The library-wide severity mapping (engine config `severityFrom`): compiled into every plan,
   * consulted when the runbook's own `trigger.severityFrom` does not map the alert's value.
   */
  severityFrom?: SeverityRule;
}

/** Which step results an expression may use at the point where it is written. */
export interface StepScope {
  /** Steps that have finished before this one may run. */
  before: ReadonlySet<string>;
  /** Every step id in the runbook, to tell "runs later" from "does not exist". */
  all: ReadonlyMap<string, string>;
  self?: string;
}

/** Where a step sits: its defaults (timeouts, retries) and its rules (read-only probes) differ. */
export type Phase = 'diagnostic' | 'remediation' | 'verify';

/** The state of one compilation (one document). */
export class CompileContext {
  readonly doc: RunbookDoc;
  readonly options: CompileOptions;
  readonly vars: Record<string, Scalar>;
  readonly targetsDoc: Record<string, TargetDoc>;
  readonly targetNames: string[];
  /** The compiled targets; filled in before any step is compiled. */
  targets: Record<string, TargetSpec> = {};
  /** Every step id in the runbook → the pointer of its first use. */
  readonly allIds = new Map<string, string>();
  /** Steps that have run by the point being compiled (diagnostics first, then remediations). */
  readonly done = new Set<string>();
  /** Set as soon as anything is reported: no plan is returned then. */
  failed = false;
  private readonly report: Reporter;
  private autoIds = 0;

  constructor(doc: RunbookDoc, report: Reporter, options: CompileOptions) {
    this.doc = doc;
    this.report = report;
    this.options = options;
    this.vars = doc.vars ?? {};
    this.targetsDoc = doc.targets ?? {};
    this.targetNames = Object.keys(this.targetsDoc);
  }

  /** Reports a problem; the compilation then yields no plan. */
  readonly fail: Reporter = (pointer, message, offset) => {
    this.failed = true;
    this.report(pointer, message, offset);
  };

  /** A placeholder id for a step written without one (`step-1`, `step-2`, … across the runbook). */
  autoId(): string {
    return `step-${++this.autoIds}`;
  }

  /** The scope of a step that runs after everything compiled so far. */
  scopeAfterDone(self?: string): StepScope {
    return { before: new Set(this.done), all: this.allIds, ...(self !== undefined ? { self } : {}) };
  }
}
