/**
 * The data of the `runCommand` activity: what the workflow asks a transport to run and what comes
 * back. Shared by the workflow, activities/ and transport/; pure types.
 */
import type { HostRecord } from './incident';
import type { ExtractSpec, TargetSpec } from './plan';

/** A target with its host templates already rendered by the workflow. */
export interface ResolvedTarget extends Omit<TargetSpec, 'hosts'> {
  hosts: string[];
}

/** One step's command, rendered, for every host of its target. */
export interface RunCommandInput {
  incidentId: string;
  stepId: string;
  target: ResolvedTarget;
  /** Fully rendered shell command; secrets only as `$FIREBREAK_SECRET_<NAME>` references. */
  command: string;
  secrets: string[];
  sudo: boolean;
  cwd?: string;
  env: Record<string, string>;
  timeoutMs: number;
  outputCapBytes: number;
  extract: ExtractSpec[];
  /**
   * Present for non-idempotent steps: checked and recorded on the target before the command runs,
   * so a re-dispatched command is not run twice (its first result is returned, `replayed: true`).
   */
  idempotencyKey?: string;
}

/** One record per host of the target, in target order. */
export interface RunCommandResult {
  hosts: HostRecord[];
}
