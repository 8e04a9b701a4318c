/**
 * The `local` transport: runs the wrapper with `/bin/sh -c` on the worker's own machine, in a
 * new session (`detached`), so the script is a process-group leader exactly as under sshd.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Endpoint, ExecRequest, Executor, ExitStatus, RunningProcess } from './transport';
import { waitUntil } from './transport';
import { safeGroup, WRAPPER_ARGV0 } from './wrapper';

export interface LocalExecutorOptions {
  /** Where the idempotency guard keeps its records (`FIREBREAK_IDEM_DIR`); default `$HOME/.firebreak/idem`. */
  idempotencyDir?: string;
  /** Grace period between TERM and KILL when killing a process group. */
  killGraceMs?: number;
  /**
   * Working directory of local commands (the engine passes `$FIREBREAK_HOME`, so a relative path
   * in a local runbook stays inside the engine's state, as an SSH one starts in the user's home).
   */
  cwd?: string;
}

/**
 * Whether any live (non-zombie) process is in group `pgid`. Orphaned children are reparented to
 * an init that may reap them late, so `kill(-pgid, 0)` alone would count zombies as alive.
 */
export function groupAlive(pgid: number): boolean {
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      } catch {
        continue;
      }
      // Fields after the parenthesised command name: state ppid pgrp …
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X') return true;
    }
    return false;
  } catch {
    // no /proc: fall back to signal 0 (counts zombies, which only delays the KILL)
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends TERM to a local process group, then KILL if it is still there after `graceMs`. */
export async function killLocalGroup(pgid: number, graceMs: number): Promise<void> {
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return;
  }
  if (!(await waitUntil(() => !groupAlive(pgid), graceMs))) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function createLocalExecutor(opts: LocalExecutorOptions = {}): Executor {
  const graceMs = opts.killGraceMs ?? 2000;
  return {
    kind: 'local',
    async start(_endpoint: Endpoint, req: ExecRequest): Promise<RunningProcess> {
      const env = { ...process.env };
      if (opts.idempotencyDir !== undefined) env.FIREBREAK_IDEM_DIR = opts.idempotencyDir;
      const child = spawn('/bin/sh', ['-c', req.script, WRAPPER_ARGV0], {
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env,
        ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      });
      const exited = new Promise<ExitStatus>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) =>
          resolve(signal ? { exitCode: null, signal: signal.replace(/^SIG/, '') } : { exitCode: code }),
        );
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.stdout.on('data', (b: Buffer) => req.onStdout(b));
      child.stderr.on('data', (b: Buffer) => req.onStderr(b));
      // The script may exit without reading stdin; that EPIPE is harmless.
      child.stdin.on('error', () => undefined);
      child.stdin.end(req.stdin);
      const pid = child.pid;
      return {
        exited,
        // The wrapper leads its own group (spawned detached), so its pid IS the group: what the
        // output reports is not needed, and never trusted, here.
        async kill() {
          if (safeGroup(pid) && pid !== process.pid) await killLocalGroup(pid, graceMs);
        },
      };
    },
    async close() {
      // nothing pooled
    },
  };
}
