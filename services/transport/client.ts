/**
 * The SSH transport (ssh2), composed of a connection pool (pool.ts: several channels per
 * connection, per-host limits, idle close, eviction of dead connections), a dialer (dial.ts: host
 * keys checked against known_hosts; auth by key file, key from a named secret, or ssh-agent; jump
 * hosts via `forwardOut`) and execution (exec.ts). Commands run as `exec /bin/sh -c <wrapper>`:
 * sshd starts every exec in its own session, so the wrapper is a process-group leader and
 * cancellation kills the group through a second channel (`kill -- -pgid`).
 */
import type { FirebreakConfig } from '../config/types';
import type { SecretStore } from '../secrets';
import { CredentialSource } from './credentials';
import { SshDialer } from './dial';
import { startRemote } from './exec';
import { ConnectionPool } from './pool';
import type { PoolStats } from './pool';
import type { Endpoint, ExecRequest, Executor, RunningProcess } from './transport';

export type { PoolStats } from './pool';

export interface SshExecutorOptions {
  ssh: FirebreakConfig['ssh'];
  /** Resolves `privateKeySecret` / `passphraseSecret`. */
  secrets?: SecretStore;
  /** Channels multiplexed on one connection (OpenSSH's MaxSessions defaults to 10). */
  maxChannelsPerConnection?: number;
  /** Grace period between TERM and KILL when killing a remote process group. */
  killGraceMs?: number;
  /** Environment for `SSH_AUTH_SOCK` (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** The SSH {@link Executor}, with its pool's statistics. */
export interface SshExecutor extends Executor {
  stats(): PoolStats;
}

class PooledSshExecutor implements SshExecutor {
  readonly kind = 'ssh';
  private readonly dialer: SshDialer;
  private readonly pool: ConnectionPool;
  private readonly killGraceMs: number;

  constructor(opts: SshExecutorOptions) {
    this.killGraceMs = opts.killGraceMs ?? 2000;
    this.dialer = new SshDialer({
      ssh: opts.ssh,
      credentials: new CredentialSource(opts.ssh, opts.secrets),
      env: opts.env ?? process.env,
    });
    this.pool = new ConnectionPool({
      dialer: this.dialer,
      maxPerHost: Math.max(1, opts.ssh.poolMaxPerHost),
      maxChannels: Math.max(1, opts.maxChannelsPerConnection ?? 8),
      idleMs: opts.ssh.poolIdleMs,
    });
  }

  start(endpoint: Endpoint, req: ExecRequest): Promise<RunningProcess> {
    return startRemote(this.pool, endpoint, req, this.killGraceMs);
  }

  stats(): PoolStats {
    return { ...this.pool.stats(), dials: this.dialer.dials };
  }

  async close(): Promise<void> {
    this.pool.close();
  }
}

export function createSshExecutor(opts: SshExecutorOptions): SshExecutor {
  return new PooledSshExecutor(opts);
}
