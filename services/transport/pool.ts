/**
 * The SSH connection pool. Connections are keyed by endpoint (user, host, port[, jump]); each key
 * holds at most `maxPerHost` connections of at most `maxChannels` concurrent channels, and callers
 * beyond that queue until a release or an eviction. A connection with no channel closes after
 * `idleMs`; one that errors or closes is evicted. Dialing itself is the {@link Dialer}'s job.
 */
import type { Client } from 'ssh2';
import { ConnectionFailed } from './errors';
import type { Endpoint } from './transport';

/** A connection the dialer has opened and authenticated, ready for channels. */
export interface DialedConnection {
  client: Client;
  /** Release of the jump connection this one tunnels through. */
  releaseJump?: () => void;
}

/** Opens connections for the pool; a jump host's connection is taken from the pool itself. */
export interface Dialer {
  dial(ep: Endpoint, jumps: ConnectionPool): Promise<DialedConnection>;
}

/** One pooled connection and its bookkeeping. */
export interface PooledConnection extends DialedConnection {
  readonly key: string;
  /** Channels currently open on it (including the one being opened by the acquirer). */
  active: number;
  dead: boolean;
  idle?: NodeJS.Timeout;
  /** sshd's login shell for this connection is `/bin/sh`: commands need no `exec /bin/sh -c`. */
  loginShellIsSh?: boolean;
}

/** Pool statistics, for tests and benchmarks. */
export interface PoolStats {
  connections: number;
  dials: number;
  activeChannels: number;
}

export interface PoolOptions {
  dialer: Dialer;
  maxPerHost: number;
  maxChannels: number;
  idleMs: number;
}

interface HostPool {
  conns: PooledConnection[];
  dialing: number;
  waiters: (() => void)[];
}

/** The pool key of an endpoint: `user@host:port`, then ` via <jump key>` for a tunnelled one. */
export function endpointKey(ep: Endpoint): string {
  const base = `${ep.user}@${ep.host}:${ep.port}`;
  return ep.jump ? `${base} via ${endpointKey(ep.jump)}` : base;
}

export class ConnectionPool {
  private readonly hosts = new Map<string, HostPool>();
  private closed = false;

  constructor(private readonly opts: PoolOptions) {}

  /** A connection to `ep` with a channel slot reserved for the caller; pair with {@link release}. */
  async acquire(ep: Endpoint): Promise<PooledConnection> {
    const key = endpointKey(ep);
    const p = this.hostPool(key);
    // Bounded: each pass either takes a slot, dials, or waits for a release/eviction.
    for (;;) {
      if (this.closed) throw new ConnectionFailed(key, 'the SSH executor is closed');
      const free = p.conns.find((c) => !c.dead && c.active < this.opts.maxChannels);
      if (free) {
        free.active++;
        if (free.idle) clearTimeout(free.idle);
        free.idle = undefined;
        return free;
      }
      if (p.conns.length + p.dialing < this.opts.maxPerHost) {
        const conn = await this.open(ep, key, p);
        if (conn) return conn;
        continue;
      }
      await new Promise<void>((r) => p.waiters.push(r));
    }
  }

  /** Gives back the caller's channel slot; a connection left with none starts its idle timer. */
  release(conn: PooledConnection): void {
    conn.active = Math.max(0, conn.active - 1);
    const p = this.hosts.get(conn.key);
    if (p) this.wake(p);
    if (conn.active === 0 && !conn.dead) {
      conn.idle = setTimeout(() => this.evict(conn), this.opts.idleMs);
    }
  }

  /** Closes a connection and drops it from the pool (idempotent). */
  evict(conn: PooledConnection): void {
    if (conn.dead) return;
    conn.dead = true;
    if (conn.idle) clearTimeout(conn.idle);
    const p = this.hosts.get(conn.key);
    if (p) {
      p.conns = p.conns.filter((c) => c !== conn);
      this.wake(p);
    }
    conn.client.end();
    conn.releaseJump?.();
    conn.releaseJump = undefined;
  }

  stats(): Omit<PoolStats, 'dials'> {
    let connections = 0;
    let activeChannels = 0;
    for (const p of this.hosts.values()) {
      connections += p.conns.length;
      for (const c of p.conns) activeChannels += c.active;
    }
    return { connections, activeChannels };
  }

  /** Closes every connection and fails every waiting and later {@link acquire}. */
  close(): void {
    this.closed = true;
    for (const p of this.hosts.values()) {
      for (const c of [...p.conns]) this.evict(c);
      for (const w of p.waiters.splice(0)) w();
    }
    this.hosts.clear();
  }

  /** Dials a new connection into `p` with one slot taken; undefined if the pool closed meanwhile. */
  private async open(ep: Endpoint, key: string, p: HostPool): Promise<PooledConnection | undefined> {
    p.dialing++;
    let conn: PooledConnection;
    try {
      conn = this.track(key, await this.opts.dialer.dial(ep, this));
    } finally {
      p.dialing--;
    }
    if (this.closed) {
      this.evict(conn);
      return undefined;
    }
    conn.active = 1;
    p.conns.push(conn);
    // Others queued behind a full pool may fit on the new connection too.
    this.wake(p);
    return conn;
  }

  private track(key: string, dialed: DialedConnection): PooledConnection {
    const conn: PooledConnection = { key, client: dialed.client, active: 0, dead: false };
    if (dialed.releaseJump) conn.releaseJump = dialed.releaseJump;
    conn.client.on('error', () => this.evict(conn));
    conn.client.on('close', () => this.evict(conn));
    return conn;
  }

  private hostPool(key: string): HostPool {
    let p = this.hosts.get(key);
    if (!p) {
      p = { conns: [], dialing: 0, waiters: [] };
      this.hosts.set(key, p);
    }
    return p;
  }

  private wake(p: HostPool): void {
    const w = p.waiters.shift();
    if (w) w();
  }
}
