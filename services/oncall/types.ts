/** The on-call config file as written (after schema validation). */
import type { Severity } from '../../contracts/plan';

export interface OnCallPerson {
  id: string;
  name: string;
  email: string;
  /** Where the person's API token is read from; the value never appears in the file. */
  token?: { env?: string; file?: string };
}

export interface OnCallTeam {
  id: string;
  description?: string;
  members: string[];
}

export interface OnCallChain {
  name: string;
  services?: string[];
  severities?: Severity[];
  /** Per-severity wait before the next level (`15m`, `1h`); wins over the runbook's interval. */
  interval?: Partial<Record<Severity, string>>;
  levels: { name?: string; contacts: string[] }[];
}

export interface ApproverRule {
  contacts: string[];
  runbooks?: string[];
  services?: string[];
  severities?: Severity[];
}

export interface OnCallConfig {
  apiVersion: 'firebreak/v1';
  kind: 'OnCall';
  people: OnCallPerson[];
  teams?: OnCallTeam[];
  chains?: OnCallChain[];
  approvers?: ApproverRule[];
  /** Path the config was loaded from (set by the loader, not part of the file). */
  file?: string;
}
