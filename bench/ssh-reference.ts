/**
 * The references bench:ssh prints a pooled Firebreak command against, on the same sshd: OpenSSH's
 * own multiplexed client (`ssh -o ControlMaster=auto -o ControlPath=… -o ControlPersist=…`, one
 * master connection, a new `ssh` process per command, as a shell script would use it) and a bare
 * ssh2 exec on one connection (the floor of any ssh2-based transport).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import type { RunCommandInput } from '../activities/types';
import type { FirebreakConfig } from '../services/config/types';
import { TEST_USER } from '../test/support/services';

export interface SshTarget {
  port: number;
  user: string;
  keyFile: string;
  knownHostsFile: string;
}

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 10; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return ms;
}

/** `runs` commands through OpenSSH's ControlMaster (the master is opened by the warm-up), ms each. */
export async function openSshMultiplexed(t: SshTarget, runs: number, command = 'echo ok'): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-ssh-mux-'));
  const base = [
    '-o',
    `ControlPath=${join(dir, 'cm-%r@%h:%p')}`,
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${t.knownHostsFile}`,
    '-i',
    t.keyFile,
    '-p',
    String(t.port),
    `${t.user}@127.0.0.1`,
  ];
  const args = ['-o', 'ControlMaster=auto', '-o', 'ControlPersist=60', ...base, command];
  try {
    return await timed(
      runs,
      () => new Promise<void>((resolve, reject) => execFile('ssh', args, (e) => (e ? reject(e) : resolve()))),
    );
  } finally {
    try {
      execFileSync('ssh', ['-O', 'exit', ...base], { stdio: 'ignore' });
    } catch {
      // the master may already be gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An ssh2 exec of `command` on `conn`, `stdin` written and closed; resolves when the channel closes. */
export function bareExec(conn: Client, command: string, stdin?: string): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    conn.exec(command, (err, ch) => {
      if (err) return reject(err);
      ch.resume();
      ch.stderr.resume();
      ch.once('close', () => resolve());
      ch.end(stdin);
    }),
  );
}

/** One ssh2 connection to `t` whose `exec` runs `command` (channel open to channel close). */
export async function openBareSsh2(
  t: SshTarget,
  command = 'echo ok',
): Promise<{ conn: Client; exec: () => Promise<void>; close: () => void }> {
  const conn = new Client();
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', () => resolve());
    conn.once('error', reject);
    conn.connect({ host: '127.0.0.1', port: t.port, username: t.user, privateKey: readFileSync(t.keyFile) });
    conn.setNoDelay(true);
  });
  return { conn, exec: () => bareExec(conn, command), close: () => conn.end() };
}

/** The pooled executor's SSH settings for a bench fleet: its known_hosts and client key. */
export function benchSshConfig(fleet: {
  knownHostsFile: string;
  clientKeyFile: string;
}): FirebreakConfig['ssh'] {
  return {
    knownHostsFile: fleet.knownHostsFile,
    privateKeyFile: fleet.clientKeyFile,
    useAgent: false,
    acceptUnknownHosts: false,
    connectTimeoutMs: 10000,
    keepaliveIntervalMs: 10000,
    poolMaxPerHost: 2,
    poolIdleMs: 60000,
  };
}

/** A `runCommand` input for the benches: `command` on `hosts` as the test user, nothing else set. */
export function benchCommandInput(hosts: string[], command = 'echo ok', concurrency = 32): RunCommandInput {
  return {
    incidentId: 'bench',
    stepId: 'bench',
    target: { name: 'bench', transport: 'ssh', hosts, user: TEST_USER, concurrency, failFast: false },
    command,
    secrets: [],
    sudo: false,
    env: {},
    timeoutMs: 30000,
    outputCapBytes: 65536,
    extract: [],
  };
}

/** `runs` execs of `command` on one ssh2 connection, ms each (channel open to channel close). */
export async function bareSsh2(t: SshTarget, runs: number, command = 'echo ok'): Promise<number[]> {
  const bare = await openBareSsh2(t, command);
  try {
    return await timed(runs, bare.exec);
  } finally {
    bare.close();
  }
}
