/**
 * Running the wrapper over SSH on a pooled connection: `exec /bin/sh -c <wrapper>` on its own
 * channel, stdin written and closed, stdout/stderr streamed to the request, the exit status (or
 * signal) collected when the channel closes. Killing runs the kill script (wrapper.ts) on a second
 * channel of the same connection against the wrapper's process group.
 */
import type { ClientChannel } from 'ssh2';
import { ConnectionFailed } from './errors';
import type { ConnectionPool, PooledConnection } from './pool';
import type { Endpoint, ExecRequest, ExitStatus, RunningProcess } from './transport';
import { waitUntil } from './transport';
import { buildKillScript, execLine, safeGroup } from './wrapper';
import type { Markers } from './wrapper';

/**
 * Opens an exec channel. `wire` runs synchronously inside ssh2's callback: a fast command's
 * exit-status can arrive in the same TCP read as the exec confirmation, and `exit` is a plain
 * event, so a listener attached after an `await` would miss it.
 */
function openExec(
  conn: PooledConnection,
  command: string,
  wire?: (ch: ClientChannel) => void,
): Promise<ClientChannel> {
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

/** One command on one endpoint, from the opening of its channel to its exit. */
class RemoteProcess implements RunningProcess {
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private killed = false;
  private finished = false;
  private settle!: { resolve: (s: ExitStatus) => void; reject: (e: Error) => void };
  // Set by start(), which startRemote awaits before handing the process out.
  private channel!: ClientChannel;
  private held!: PooledConnection;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly ep: Endpoint,
    private readonly killGraceMs: number,
  ) {
    this.exited = new Promise<ExitStatus>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  /** Opens the channel and streams the request through it. */
  async start(req: ExecRequest): Promise<void> {
    const { channel, held } = await this.open(req);
    this.channel = channel;
    this.held = held;
  }

  /** The wrapper's markers: a connection whose login shell is `/bin/sh` takes the script as is. */
  noteMarkers(m: Markers): void {
    if (m.loginShellIsSh) this.held.loginShellIsSh = true;
  }

  async kill(pgid: number | undefined): Promise<void> {
    this.killed = true;
    if (safeGroup(pgid) && !this.held.dead) {
      try {
        await this.killGroup(pgid);
      } catch {
        // fall through to closing the channel
      }
    }
    // Bounded wait for the channel to close on its own once the group is gone.
    if (!(await waitUntil(() => this.finished, 1000))) this.channel.close();
  }

  /**
   * A pooled connection can die between uses (server restart, keepalive loss): on failure to open
   * a channel, drop it and dial once more before reporting a transient failure.
   */
  private async open(req: ExecRequest): Promise<{ channel: ClientChannel; held: PooledConnection }> {
    let held = await this.pool.acquire(this.ep);
    try {
      return {
        channel: await openExec(held, execLine(req.script, held.loginShellIsSh), this.watch(held, req)),
        held,
      };
    } catch (e) {
      this.drop(held);
      held = await this.pool.acquire(this.ep);
      try {
        return {
          channel: await openExec(held, execLine(req.script, held.loginShellIsSh), this.watch(held, req)),
          held,
        };
      } catch (e2) {
        this.drop(held);
        throw new ConnectionFailed(
          this.ep.label,
          `cannot open a channel: ${(e2 as Error).message} (after ${(e as Error).message})`,
        );
      }
    }
  }

  /** Evicts a connection that could not open a channel and gives back the slot taken on it. */
  private drop(conn: PooledConnection): void {
    this.pool.evict(conn);
    this.pool.release(conn);
  }

  /**
   * Wires the command's channel: output to the request, exit status, settling `exited` on close,
   * and stdin written at once — the wrapper's first act is to read its marker nonce from it.
   */
  private watch(held: PooledConnection, req: ExecRequest): (channel: ClientChannel) => void {
    return (channel) => {
      channel.on('data', (b: Buffer) => req.onStdout(b));
      channel.stderr.on('data', (b: Buffer) => req.onStderr(b));
      channel.on('error', () => undefined);
      channel.on('exit', (code: number | null, signal?: string) => {
        this.status = signal ? { exitCode: null, signal: signal.replace(/^SIG/, '') } : { exitCode: code };
      });
      channel.on('close', () => this.onClose(held));
      channel.end(req.stdin);
    };
  }

  private onClose(held: PooledConnection): void {
    if (this.finished) return;
    this.finished = true;
    this.pool.release(held);
    if (this.status) this.settle.resolve(this.status);
    else if (this.killed) this.settle.resolve({ exitCode: null, signal: 'KILL' });
    else
      this.settle.reject(
        new ConnectionFailed(
          this.ep.label,
          'the connection was lost while the command ran (outcome unknown)',
        ),
      );
  }

  /** Runs the kill script on a second channel and waits (bounded) for it to finish. */
  private async killGroup(pgid: number): Promise<void> {
    const k = await openExec(this.held, buildKillScript(pgid, this.killGraceMs));
    k.resume();
    k.stderr.resume();
    await new Promise<void>((r) => {
      const t = setTimeout(r, this.killGraceMs + 3000);
      k.on('close', () => {
        clearTimeout(t);
        r();
      });
    });
  }
}

/** Starts `req` on `ep`; rejects when no channel can be opened (connection, auth, host key). */
export async function startRemote(
  pool: ConnectionPool,
  ep: Endpoint,
  req: ExecRequest,
  killGraceMs: number,
): Promise<RunningProcess> {
  const proc = new RemoteProcess(pool, ep, killGraceMs);
  await proc.start(req);
  return proc;
}
