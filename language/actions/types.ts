/** The built-in action catalog's shape: what a runbook's `action:` / `check:` names. */
import type { ExtractSpec, Template } from '../../contracts/plan';

/** JSON Schema (draft-07 subset) for an action's `with:` parameters. */
export type ParamSchema = Record<string, unknown>;

/** What a builder contributes to the compiled CommandStep. */
export interface BuiltCommand {
  command: Template;
  extract: ExtractSpec[];
  /** CEL over one host's result; default `exitCode == 0`. */
  success?: string;
  sudo?: boolean;
  /** Secret names referenced through parameters (e.g. `password_secret`). */
  secrets?: string[];
  timeoutMs?: number;
}

/** One built-in action. */
export interface ActionDefinition {
  name: string;
  description: string;
  /** `check` actions only observe and may be used as diagnostics, `check:` and `verify:`. */
  kind: 'check' | 'remediation' | 'wait';
  params: ParamSchema;
  destructive: boolean;
  idempotent: boolean;
  /** Params have been validated against {@link params} (defaults applied by ajv). */
  build(params: Record<string, unknown>): BuiltCommand;
}
