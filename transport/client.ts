/**
 * The SSH transport (ssh2): a connection pool per (user, host, port[, jump]) with several
 * channels per connection, idle close, keepalive and eviction of dead connections; host keys
 * checked against known_hosts; auth by key file, key from a named secret, or ssh-agent; jump
 * hosts via `forwardOut`. Commands run as `exec /bin/sh -c <wrapper>`: sshd starts every exec in
 * its own session, so the wrapper is a process-group leader and cancellation kills the group
 * through a second channel (`kill -- -pgid`).
 */
import { readFile } from 'node:fs/promises';
import { Client } from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import type { FirebreakConfig } from '../config/types';
import { shellQuote } from '../expressions/quote';
import type { SecretStore } from '../secrets';
import {
  authenticationFailed,
  ConnectionFailed,
  hostKeyMismatch,
  sshKeyError,
  unknownHostKey,
} from './errors';
import { fingerprint, KnownHostsFile } from './knownHosts';
import type { Endpoint, ExecRequest, Executor, ExitStatus, RunningProcess } from './transport';

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

/** Pool statistics, for tests and benchmarks. */
export interface PoolStats {
  connections: number;
  dials: number;
  activeChannels: number;
}

export interface SshExecutor extends Executor {
  stats(): PoolStats;
}

interface Conn {
  key: string;
  client: Client;
  active: number;
  dead: boolean;
  idle?: NodeJS.Timeout;
  /** Release of the jump connection this one tunnels through. */
  releaseJump?: () => void;
}

interface HostPool {
  conns: Conn[];
  dialing: number;
  waiters: (() => void)[];
}

function endpointKey(ep: Endpoint): string {
  const base = `${ep.user}@${ep.host}:${ep.port}`;
  return ep.jump ? `${base} via ${endpointKey(ep.jump)}` : base;
}

/**
 * Kills a process group on the target: TERM to the group, a bounded wait for the leader (the
 * wrapper) to go, then KILL to the group for anything that ignored TERM. The leader is watched
 * rather than the group because orphaned zombies would keep a group "alive" for `kill -0`.
 * `kill -s SIG -- -pgid` is the one spelling both dash and bash accept for a group.
 */
function killScript(pgid: number, graceMs: number): string {
  const tries = Math.max(1, Math.ceil(graceMs / 50));
  const script =
    `p=${pgid}; kill -s TERM -- -$p 2>/dev/null || exit 0; i=0; ` +
    `while kill -s 0 $p 2>/dev/null && [ $i -lt ${tries} ]; do sleep 0.05; i=$((i+1)); done; ` +
    'kill -s KILL -- -$p 2>/dev/null; exit 0';
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

export function createSshExecutor(opts: SshExecutorOptions): SshExecutor {
  const cfg = opts.ssh;
  const maxCh = Math.max(1, opts.maxChannelsPerConnection ?? 8);
  const maxConns = Math.max(1, cfg.poolMaxPerHost);
  const graceMs = opts.killGraceMs ?? 2000;
  const env = opts.env ?? process.env;
  const knownHosts = new KnownHostsFile(cfg.knownHostsFile);
  const pools = new Map<string, HostPool>();
  let dials = 0;
  let closed = false;
  let keyCache: { key?: Buffer | string; passphrase?: string } | undefined;

  async function credentials(): Promise<{ key?: Buffer | string; passphrase?: string }> {
    if (keyCache) return keyCache;
    const c: { key?: Buffer | string; passphrase?: string } = {};
    if (cfg.privateKeySecret !== undefined) {
      if (!opts.secrets)
        throw sshKeyError(`ssh.privateKeySecret "${cfg.privateKeySecret}" set but no secret store given`);
      c.key = await opts.secrets.get(cfg.privateKeySecret);
    } else if (cfg.privateKeyFile !== undefined) {
      try {
        c.key = await readFile(cfg.privateKeyFile);
      } catch (e) {
        throw sshKeyError(`cannot read private key file ${cfg.privateKeyFile}: ${(e as Error).message}`);
      }
    }
    if (cfg.passphraseSecret !== undefined && opts.secrets)
      c.passphrase = await opts.secrets.get(cfg.passphraseSecret);
    keyCache = c;
    return c;
  }

  function pool(key: string): HostPool {
    let p = pools.get(key);
    if (!p) {
      p = { conns: [], dialing: 0, waiters: [] };
      pools.set(key, p);
    }
    return p;
  }

  function wake(p: HostPool): void {
    const w = p.waiters.shift();
    if (w) w();
  }

  function evict(conn: Conn): void {
    if (conn.dead) return;
    conn.dead = true;
    if (conn.idle) clearTimeout(conn.idle);
    const p = pools.get(conn.key);
    if (p) {
      p.conns = p.conns.filter((c) => c !== conn);
      wake(p);
    }
    conn.client.end();
    conn.releaseJump?.();
    conn.releaseJump = undefined;
  }

  async function dial(ep: Endpoint): Promise<Conn> {
    const creds = await credentials();
    let sock: ClientChannel | undefined;
    let releaseJump: (() => void) | undefined;
    if (ep.jump) {
      const jumpConn = await acquire(ep.jump);
      releaseJump = () => release(jumpConn);
      try {
        sock = await new Promise<ClientChannel>((resolve, reject) =>
          jumpConn.client.forwardOut('127.0.0.1', 0, ep.host, ep.port, (err, ch) =>
            err ? reject(err) : resolve(ch),
          ),
        );
      } catch (e) {
        releaseJump();
        throw new ConnectionFailed(`${ep.host}:${ep.port} via ${ep.jump.label}`, (e as Error).message);
      }
    }
    const label = `${ep.user}@${ep.host}:${ep.port}`;
    const client = new Client();
    // ssh2 can emit a second error while tearing down a failed handshake; without a listener
    // that would be an uncaught exception in the worker.
    client.on('error', () => undefined);
    let hostKeyProblem: Error | undefined;
    const config: ConnectConfig = {
      host: ep.host,
      port: ep.port,
      username: ep.user,
      readyTimeout: cfg.connectTimeoutMs,
      keepaliveInterval: cfg.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        knownHosts
          .verify(ep.host, ep.port, key)
          .then(async (verdict) => {
            const name = ep.port === 22 ? ep.host : `[${ep.host}]:${ep.port}`;
            if (verdict === 'match') return verify(true);
            if (verdict === 'unknown' && cfg.acceptUnknownHosts) {
              await knownHosts.add(ep.host, ep.port, key);
              return verify(true);
            }
            hostKeyProblem =
              verdict === 'unknown'
                ? unknownHostKey(name, fingerprint(key))
                : hostKeyMismatch(name, fingerprint(key));
            verify(false);
          })
          .catch((e: unknown) => {
            hostKeyProblem = new ConnectionFailed(label, `cannot read known_hosts: ${(e as Error).message}`);
            verify(false);
          });
      },
    };
    const hostKeyAlgs = await knownHosts.algorithmsFor(ep.host, ep.port).catch(() => undefined);
    // ssh2's types list only the algorithm names it ships; known_hosts types outside that list
    // would be refused by ssh2 at connect, so keep to names it knows.
    if (hostKeyAlgs)
      config.algorithms = {
        serverHostKey: hostKeyAlgs as NonNullable<ConnectConfig['algorithms']>['serverHostKey'],
      };
    if (creds.key !== undefined) config.privateKey = creds.key;
    if (creds.passphrase !== undefined) config.passphrase = creds.passphrase;
    if (cfg.useAgent && env.SSH_AUTH_SOCK) config.agent = env.SSH_AUTH_SOCK;
    if (sock) config.sock = sock;
    dials++;
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error & { level?: string; code?: string }) => {
          client.removeListener('ready', onReady);
          client.end();
          if (hostKeyProblem) return reject(hostKeyProblem);
          if (err.level === 'client-authentication') return reject(authenticationFailed(label, err.message));
          reject(new ConnectionFailed(label, err.message));
        };
        const onReady = () => {
          client.removeListener('error', onError);
          resolve();
        };
        client.once('error', onError);
        client.once('ready', onReady);
        try {
          client.connect(config);
          // Commands are many small request/response exchanges: Nagle + delayed ACK would add
          // ~40 ms to some of them.
          client.setNoDelay(true);
        } catch (e) {
          client.removeListener('error', onError);
          reject(sshKeyError(`cannot use the SSH private key for ${label}: ${(e as Error).message}`));
        }
      });
    } catch (e) {
      releaseJump?.();
      throw e;
    }
    const conn: Conn = { key: endpointKey(ep), client, active: 0, dead: false };
    if (releaseJump) conn.releaseJump = releaseJump;
    client.on('error', () => evict(conn));
    client.on('close', () => evict(conn));
    return conn;
  }

  async function acquire(ep: Endpoint): Promise<Conn> {
    const key = endpointKey(ep);
    const p = pool(key);
    // Bounded: each pass either takes a slot, dials, or waits for a release/eviction.
    for (;;) {
      if (closed) throw new ConnectionFailed(key, 'the SSH executor is closed');
      const free = p.conns.find((c) => !c.dead && c.active < maxCh);
      if (free) {
        free.active++;
        if (free.idle) clearTimeout(free.idle);
        free.idle = undefined;
        return free;
      }
      if (p.conns.length + p.dialing < maxConns) {
        p.dialing++;
        let conn: Conn;
        try {
          conn = await dial(ep);
        } finally {
          p.dialing--;
        }
        if (closed) {
          evict(conn);
          continue;
        }
        conn.active = 1;
        p.conns.push(conn);
        // Others queued behind a full pool may fit on the new connection too.
        wake(p);
        return conn;
      }
      await new Promise<void>((r) => p.waiters.push(r));
    }
  }

  function release(conn: Conn): void {
    conn.active = Math.max(0, conn.active - 1);
    const p = pools.get(conn.key);
    if (p) wake(p);
    if (conn.active === 0 && !conn.dead) {
      conn.idle = setTimeout(() => evict(conn), cfg.poolIdleMs);
    }
  }

  /**
   * Opens an exec channel. `wire` runs synchronously inside ssh2's callback: a fast command's
   * exit-status can arrive in the same TCP read as the exec confirmation, and `exit` is a plain
   * event, so a listener attached after an `await` would miss it.
   */
  function openExec(conn: Conn, command: string, wire?: (ch: ClientChannel) => void): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        conn.client.exec(command, (err, ch) => {
          if (err) return reject(err);
          wire?.(ch);
          resolve(ch);
        });
      } catch (e) {
        reject(e as Error);
      }
    });
  }

  async function start(ep: Endpoint, req: ExecRequest): Promise<RunningProcess> {
    const command = `exec /bin/sh -c ${shellQuote(req.script)}`;
    let status: ExitStatus | undefined;
    let killed = false;
    let finished = false;
    let settle: { resolve: (s: ExitStatus) => void; reject: (e: Error) => void } | undefined;
    const exited = new Promise<ExitStatus>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const wire = (held: Conn) => (channel: ClientChannel) => {
      channel.on('exit', (code: number | null, signal?: string) => {
        status = signal ? { exitCode: null, signal: signal.replace(/^SIG/, '') } : { exitCode: code };
      });
      channel.on('close', () => {
        if (finished) return;
        finished = true;
        release(held);
        if (status) settle?.resolve(status);
        else if (killed) settle?.resolve({ exitCode: null, signal: 'KILL' });
        else
          settle?.reject(
            new ConnectionFailed(ep.label, 'the connection was lost while the command ran (outcome unknown)'),
          );
      });
    };
    let conn = await acquire(ep);
    let ch: ClientChannel;
    try {
      ch = await openExec(conn, command, wire(conn));
    } catch (e) {
      // A pooled connection can die between uses (server restart, keepalive loss): drop it and
      // dial once more before reporting a transient failure.
      evict(conn);
      release(conn);
      conn = await acquire(ep);
      try {
        ch = await openExec(conn, command, wire(conn));
      } catch (e2) {
        evict(conn);
        release(conn);
        throw new ConnectionFailed(
          ep.label,
          `cannot open a channel: ${(e2 as Error).message} (after ${(e as Error).message})`,
        );
      }
    }
    const channel = ch;
    const held = conn;
    channel.on('data', (b: Buffer) => req.onStdout(b));
    channel.stderr.on('data', (b: Buffer) => req.onStderr(b));
    channel.on('error', () => undefined);
    channel.end(req.stdin);
    return {
      exited,
      async kill(pgid) {
        killed = true;
        if (pgid !== undefined && !held.dead) {
          try {
            const k = await openExec(held, killScript(pgid, graceMs));
            k.resume();
            k.stderr.resume();
            await new Promise<void>((r) => {
              const t = setTimeout(r, graceMs + 3000);
              k.on('close', () => {
                clearTimeout(t);
                r();
              });
            });
          } catch {
            // fall through to closing the channel
          }
        }
        // Bounded wait for the channel to close on its own once the group is gone.
        const end = Date.now() + 1000;
        while (!finished && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        if (!finished) channel.close();
      },
    };
  }

  return {
    kind: 'ssh',
    start,
    stats() {
      let connections = 0;
      let activeChannels = 0;
      for (const p of pools.values()) {
        connections += p.conns.length;
        for (const c of p.conns) activeChannels += c.active;
      }
      return { connections, dials, activeChannels };
    },
    async close() {
      closed = true;
      for (const p of pools.values()) {
        for (const c of [...p.conns]) evict(c);
        for (const w of p.waiters.splice(0)) w();
      }
      pools.clear();
    },
  };
}
