/**
 * The runbook YAML as written (after schema validation): snake_case keys, durations as text.
 * The compiler turns it into the typed {@link Plan}; `schema/runbook.schema.json` is the
 * authoritative description of every field.
 */
import type { NotificationKind, Severity } from '../../contracts/plan';

export type Scalar = string | number | boolean;

export interface ExtractDoc {
  regex?: string;
  group?: number;
  json?: string;
  from?: 'stdout' | 'stderr';
  type?: 'number' | 'string' | 'boolean' | 'json';
  default?: string | number | boolean | null;
}

export interface StepDoc {
  id?: string;
  title?: string;
  target?: string;
  when?: string;
  run?: string;
  action?: string;
  check?: string;
  with?: Record<string, unknown>;
  extract?: Record<string, ExtractDoc>;
  success?: string;
  timeout?: string;
  retries?: number;
  sudo?: boolean;
  cwd?: string;
  env?: Record<string, Scalar>;
  idempotent?: boolean;
  destructive?: boolean;
  output_cap?: number;
  on_failure?: 'continue' | 'escalate' | 'abort';
}

export interface DiagnosticDoc extends StepDoc {
  parallel?: StepDoc[];
}

export interface VerifyDoc extends StepDoc {
  steps?: StepDoc[];
  attempts?: number;
  interval?: string;
}

export interface RemediationDoc extends StepDoc {
  id: string;
  approval?: 'required' | 'auto';
  approval_timeout?: string;
  allow_auto_destructive?: boolean;
  verify?: VerifyDoc;
}

export type MatcherDoc =
  | string
  | {
      eq?: string;
      not?: string;
      in?: string[];
      not_in?: string[];
      regex?: string;
      not_regex?: string;
      exists?: true;
      absent?: true;
    };

export interface TargetDoc {
  hosts?: string[];
  group?: string;
  user?: string;
  port?: number;
  jump?: string;
  transport?: 'ssh' | 'local';
  concurrency?: number;
  fail_fast?: boolean;
}

export interface RunbookDoc {
  apiVersion: 'firebreak/v1';
  kind: 'Runbook';
  metadata: {
    id: string;
    title: string;
    service: string;
    severity: Severity;
    owners: string[];
    description?: string;
    tags?: string[];
    source?: { guide: string; section?: string; url?: string };
  };
  trigger: {
    match: Record<string, MatcherDoc>;
    any?: Record<string, MatcherDoc>[];
    severityFrom?: { label?: string; map: Record<string, Severity> };
  };
  vars?: Record<string, Scalar>;
  targets?: Record<string, TargetDoc>;
  diagnostics?: DiagnosticDoc[];
  remediations?: RemediationDoc[];
  escalation?: {
    chain?: string;
    levels?: string[][];
    repeat_last?: boolean;
    interval?: Partial<Record<Severity, string>>;
  };
  notify?: { on: NotificationKind[]; to: string[] }[];
  resolution?: { mode?: 'verify' | 'alert_resolved' | 'human'; timeout?: string };
}
