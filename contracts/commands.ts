/**
 * The data of the `runCommand` activity: what the workflow asks a transport to run and what comes
 * back. Shared by the workflow, activities/ and transport/; pure types.
 */
import type { HostRecord } from './incident';
import type { ExtractSpec, TargetSpec } from './plan';

/**
 * One rendered piece of a host template: text the runbook author wrote (trusted: it may say
 * `user@host:port`), or a value that came from alert data through expression `expr` (it may only
 * ever be a host name or address, never a user, a port or an option).
 */
export type RenderedHostPart = { lit: string } | { value: string; expr: string };

/** A target with its host templates (and templated group) already rendered by the workflow. */
export interface ResolvedTarget extends Omit<TargetSpec, 'hosts'> {
  /** Each host as rendered text (empty renderings dropped). */
  hosts: string[];
  /**
   * The same hosts as parts, telling author text from alert values. Absent from requests made by
   * workflows that predate it: their `hosts` are then taken as author text.
   */
  hostParts?: RenderedHostPart[][];
}

/** Exactly where a command will run: what `firebreak plan` prints and the transport dials. */
export interface TargetEndpoint {
  /** The host as rendered (`db1:9187`, `127.0.0.1`): used in results and messages. */
  label: string;
  host: string;
  port: number;
  user: string;
  jump?: TargetEndpoint;
  /** How the inventory supplied it (`inventory pg[0] "db1" via alias "db1:9187"`), if it did. */
  via?: string;
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
