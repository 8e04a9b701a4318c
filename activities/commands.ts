/**
 * The `runCommand` activity: runs a step's rendered command on every host of its target, over
 * SSH or locally, through the same wrapper script (transport/wrapper.ts) — so secrets, env, cwd, sudo
 * and the idempotency guard behave identically on both transports.
 *
 * Result policy: a command that ran and exited (any exit code) is a host record; the step's
 * `success` expression judges it in the workflow. A host that could not run the command throws:
 * if any host's trouble is transient (unreachable, refused, dropped) the activity throws a plain
 * Error so Temporal retries it; otherwise it throws the first host's non-retryable failure
 * (`UnknownHostKey`, `AuthenticationFailed`, `CommandTimeout`, `IdempotencyUnknownOutcome`, …),
 * with every host's record (masked) as the failure's first detail, `{ hosts }`.
 */
import { asyncLocalStorage, type Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { mkdirSync } from 'node:fs';
import { workerSettings } from '../services/config';
import type { FirebreakConfig } from '../services/config/types';
import type { HostRecord } from '../contracts/incident';
import { SecretStore } from '../services/secrets';
import { createSshExecutor } from '../services/transport/client';
import { commandCancelled, invalidCommandInput, invalidHost } from '../services/transport/errors';
import { mapLimit, resolveEndpoints } from '../services/transport/hosts';
import { createLocalExecutor } from '../services/transport/local';
import { runOnEndpoint } from '../services/transport/runner';
import type { Endpoint, Executor } from '../services/transport/transport';
import { buildStdin, buildWrapper, newMarkerNonce } from '../services/transport/wrapper';
import type { IncidentActivities, RunCommandInput, RunCommandResult } from './types';

export interface CommandActivityDeps {
  config: Pick<FirebreakConfig, 'home' | 'ssh' | 'inventory' | 'secrets' | 'strictInventory' | 'worker'>;
  /** Secret resolver + masker; default built from `config.secrets`. Share it to mask elsewhere. */
  secrets?: SecretStore;
  /** Transports; defaults: a local executor and a pooled SSH executor built from `config.ssh`. */
  transports?: { local?: Executor; ssh?: Executor };
  /** How often to heartbeat while a command runs (default: a third of the heartbeat timeout, ≤ 5 s). */
  heartbeatMs?: number;
  /**
   * Name local results `local@<hostId>` (the worker sets it): the timeline and the report then
   * say which machine ran each local step. Default: plain `local`.
   */
  hostLabel?: boolean;
}

/**
 * Activity context when running inside a Temporal activity, undefined when called directly (the
 * store `Context.current()` reads, without the Error it throws outside an activity: a bench or a
 * direct caller would pay a stack capture per command).
 */
function activityContext(): Context | undefined {
  return asyncLocalStorage.getStore();
}

/** Cap used when a step gives none (the compiler's default too). */
export const DEFAULT_OUTPUT_CAP_BYTES = 64 * 1024;

export function createCommandActivities(deps: CommandActivityDeps): Pick<IncidentActivities, 'runCommand'> {
  const store = deps.secrets ?? new SecretStore(deps.config.secrets);
  let local = deps.transports?.local;
  let ssh = deps.transports?.ssh;
  const machine = workerSettings(deps.config);
  const localEndpoint: Endpoint = {
    label: deps.hostLabel ? `local@${machine.hostId}` : 'local',
    host: 'localhost',
    port: 0,
    user: '',
  };
  const executorFor = (kind: 'local' | 'ssh'): Executor => {
    if (kind === 'local') {
      if (!local) {
        mkdirSync(deps.config.home, { recursive: true });
        local = createLocalExecutor({
          // Claims live where every worker of this machine sees them, like an SSH target's do.
          idempotencyDir: machine.localIdempotencyDir,
          cwd: deps.config.home,
        });
      }
      return local;
    }
    ssh ??= createSshExecutor({ ssh: deps.config.ssh, secrets: store });
    return ssh;
  };

  async function runCommand(input: RunCommandInput): Promise<RunCommandResult> {
    if (!Number.isFinite(input.timeoutMs) || input.timeoutMs <= 0) {
      throw invalidCommandInput(`step ${input.stepId}: timeoutMs must be positive, got ${input.timeoutMs}`);
    }
    const values = await store.getAll(input.secrets);
    const spec = {
      command: input.command,
      secrets: input.secrets,
      env: input.env,
      sudo: input.sudo,
      ...(input.cwd !== undefined ? { cwd: input.cwd } : {}),
      ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
    };
    const script = buildWrapper(spec);
    const markerNonce = newMarkerNonce();
    const stdin = buildStdin(input.secrets, values, markerNonce);
    const executor = executorFor(input.target.transport);
    const endpoints =
      input.target.transport === 'local'
        ? [localEndpoint]
        : resolveEndpoints(input.target, deps.config.inventory, {
            strictInventory: deps.config.strictInventory ?? false,
          });
    if (endpoints.length === 0) throw invalidHost(input.target.name, 'the target resolved to no hosts');

    const ctx = activityContext();
    const signal = ctx?.cancellationSignal;
    let beat: NodeJS.Timeout | undefined;
    if (ctx) {
      const hbTimeout = ctx.info.heartbeatTimeoutMs;
      const every = deps.heartbeatMs ?? Math.min(5000, hbTimeout ? Math.max(200, hbTimeout / 3) : 5000);
      beat = setInterval(() => ctx.heartbeat({ stepId: input.stepId }), every);
      ctx.heartbeat({ stepId: input.stepId });
    }
    const abortReason = (ep: Endpoint) => () =>
      signal?.reason instanceof Error ? signal.reason : commandCancelled(ep.label);
    let settled;
    try {
      settled = await mapLimit(
        endpoints,
        input.target.concurrency,
        input.target.failFast,
        (ep) =>
          runOnEndpoint(executor, ep, {
            script,
            stdin,
            timeoutMs: input.timeoutMs,
            outputCapBytes: input.outputCapBytes > 0 ? input.outputCapBytes : DEFAULT_OUTPUT_CAP_BYTES,
            extract: input.extract,
            ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
            markerNonce,
            mask: (t) => store.mask(t),
            ...(signal ? { signal } : {}),
            abortReason: abortReason(ep),
          }),
        (rec) => !rec.ok,
      );
    } finally {
      if (beat) clearInterval(beat);
    }

    const hosts: HostRecord[] = [];
    const errors: unknown[] = [];
    settled.forEach((r, i) => {
      const label = endpoints[i]?.label ?? '?';
      if (r.ok) {
        hosts.push(r.value);
        return;
      }
      if (!r.skipped) errors.push(r.error);
      hosts.push({
        host: label,
        ok: false,
        exitCode: null,
        stdout: '',
        stderr: '',
        truncated: false,
        durationMs: 0,
        values: {},
        error: store.mask(r.error instanceof Error ? r.error.message : String(r.error)),
      });
    });
    if (errors.length === 0) return { hosts };
    if (signal?.aborted && signal.reason instanceof Error) throw signal.reason;
    const summary = hosts
      .filter((h) => h.error !== undefined)
      .map((h) => `${h.host}: ${h.error}`)
      .join('; ');
    const transient = errors.find((e) => !(e instanceof ApplicationFailure));
    if (transient !== undefined) throw new Error(`step ${input.stepId}: ${summary}`);
    const first = errors[0] as ApplicationFailure;
    throw ApplicationFailure.create({
      type: first.type ?? 'CommandFailed',
      message: endpoints.length === 1 ? first.message : `step ${input.stepId}: ${summary}`,
      nonRetryable: true,
      details: [{ hosts }],
    });
  }

  return { runCommand };
}
