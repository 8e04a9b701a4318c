/**
 * Dialing one SSH connection with ssh2: through a `forwardOut` tunnel on a pooled jump-host
 * connection when the endpoint has a jump, the host key checked against known_hosts (trusted on
 * first use only when `acceptUnknownHosts` is set), auth by private key and/or ssh-agent.
 */
import { Client } from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import type { FirebreakConfig } from '../config/types';
import type { CredentialSource, SshCredentials } from './credentials';
import {
  authenticationFailed,
  ConnectionFailed,
  hostKeyMismatch,
  sshKeyError,
  unknownHostKey,
} from './errors';
import { fingerprint, knownHostName, KnownHostsFile } from './knownHosts';
import type { ConnectionPool, DialedConnection, Dialer } from './pool';
import type { Endpoint } from './transport';

export interface SshDialerOptions {
  ssh: FirebreakConfig['ssh'];
  credentials: CredentialSource;
  /** Environment for `SSH_AUTH_SOCK`. */
  env: Record<string, string | undefined>;
}

/** Why the host key was refused, filled in by the verifier before ssh2 reports the failure. */
interface HostKeyRefusal {
  error?: Error;
}

type ServerHostKeyAlgorithms = NonNullable<ConnectConfig['algorithms']>['serverHostKey'];

/** The {@link Dialer} of the SSH executor; counts its handshakes for the pool statistics. */
export class SshDialer implements Dialer {
  /** Handshakes attempted, successful or not. */
  dials = 0;
  private readonly knownHosts: KnownHostsFile;

  constructor(private readonly opts: SshDialerOptions) {
    this.knownHosts = new KnownHostsFile(opts.ssh.knownHostsFile);
  }

  async dial(ep: Endpoint, jumps: ConnectionPool): Promise<DialedConnection> {
    const creds = await this.opts.credentials.get();
    const tunnel = ep.jump ? await openTunnel(ep, ep.jump, jumps) : undefined;
    try {
      const refusal: HostKeyRefusal = {};
      const config = await this.connectConfig(ep, creds, refusal);
      if (tunnel) config.sock = tunnel.sock;
      this.dials++;
      const client = await handshake(config, `${ep.user}@${ep.host}:${ep.port}`, refusal);
      return tunnel ? { client, releaseJump: tunnel.release } : { client };
    } catch (e) {
      tunnel?.release();
      throw e;
    }
  }

  /** ssh2 settings: timeouts and keepalive, the host-key check and algorithms, key and agent auth. */
  private async connectConfig(
    ep: Endpoint,
    creds: SshCredentials,
    refusal: HostKeyRefusal,
  ): Promise<ConnectConfig> {
    const cfg = this.opts.ssh;
    const config: ConnectConfig = {
      host: ep.host,
      port: ep.port,
      username: ep.user,
      readyTimeout: cfg.connectTimeoutMs,
      keepaliveInterval: cfg.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      hostVerifier: this.hostVerifier(ep, refusal),
    };
    const hostKeyAlgs = await this.knownHosts.algorithmsFor(ep.host, ep.port).catch(() => undefined);
    // ssh2's types list only the algorithm names it ships; known_hosts types outside that list
    // would be refused by ssh2 at connect, so keep to names it knows.
    if (hostKeyAlgs) config.algorithms = { serverHostKey: hostKeyAlgs as ServerHostKeyAlgorithms };
    if (creds.key !== undefined) config.privateKey = creds.key;
    if (creds.passphrase !== undefined) config.passphrase = creds.passphrase;
    if (cfg.useAgent && this.opts.env.SSH_AUTH_SOCK) config.agent = this.opts.env.SSH_AUTH_SOCK;
    return config;
  }

  /** ssh2's `hostVerifier`: accepts a key known_hosts lists for the host, records why otherwise. */
  private hostVerifier(ep: Endpoint, refusal: HostKeyRefusal): NonNullable<ConnectConfig['hostVerifier']> {
    const name = knownHostName(ep.host, ep.port);
    return (key: Buffer, verify: (ok: boolean) => void) => {
      this.knownHosts
        .verify(ep.host, ep.port, key)
        .then(async (verdict) => {
          if (verdict === 'match') return verify(true);
          if (verdict === 'unknown' && this.opts.ssh.acceptUnknownHosts) {
            await this.knownHosts.add(ep.host, ep.port, key);
            return verify(true);
          }
          refusal.error =
            verdict === 'unknown'
              ? unknownHostKey(name, fingerprint(key))
              : hostKeyMismatch(name, fingerprint(key));
          verify(false);
        })
        .catch((e: unknown) => {
          const label = `${ep.user}@${ep.host}:${ep.port}`;
          refusal.error = new ConnectionFailed(label, `cannot read known_hosts: ${(e as Error).message}`);
          verify(false);
        });
    };
  }
}

/** A channel to `ep` through the jump host's pooled connection, used as the socket of the dial. */
async function openTunnel(
  ep: Endpoint,
  jump: Endpoint,
  jumps: ConnectionPool,
): Promise<{ sock: ClientChannel; release: () => void }> {
  const jumpConn = await jumps.acquire(jump);
  const release = () => jumps.release(jumpConn);
  try {
    const sock = await new Promise<ClientChannel>((resolve, reject) =>
      jumpConn.client.forwardOut('127.0.0.1', 0, ep.host, ep.port, (err, ch) =>
        err ? reject(err) : resolve(ch),
      ),
    );
    return { sock, release };
  } catch (e) {
    release();
    throw new ConnectionFailed(`${ep.host}:${ep.port} via ${jump.label}`, (e as Error).message);
  }
}

/**
 * Connects and waits for `ready`. A refused host key, refused auth and an unusable private key are
 * permanent failures; anything else (refused, unreachable, handshake timeout) is transient.
 */
function handshake(config: ConnectConfig, label: string, refusal: HostKeyRefusal): Promise<Client> {
  const client = new Client();
  // ssh2 can emit a second error while tearing down a failed handshake; without a listener
  // that would be an uncaught exception in the worker.
  client.on('error', () => undefined);
  return new Promise<Client>((resolve, reject) => {
    const onError = (err: Error & { level?: string; code?: string }) => {
      client.removeListener('ready', onReady);
      client.end();
      if (refusal.error) return reject(refusal.error);
      if (err.level === 'client-authentication') return reject(authenticationFailed(label, err.message));
      reject(new ConnectionFailed(label, err.message));
    };
    const onReady = () => {
      client.removeListener('error', onError);
      resolve(client);
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
}
