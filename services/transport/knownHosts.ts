/**
 * OpenSSH known_hosts verification: plain and hashed (`|1|salt|hash`) host patterns, `[host]:port`
 * names for non-default ports, wildcards and negation, `@revoked` and (ignored) `@cert-authority`
 * lines. Used by the SSH client's `hostVerifier`; a key is trusted only when an entry matches.
 */
import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostLine {
  marker?: 'cert-authority' | 'revoked';
  hosts: string;
  keyType: string;
  key: string;
}

export type HostKeyVerdict = 'match' | 'mismatch' | 'unknown' | 'revoked';

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type name at the start of an SSH public key blob (`ssh-ed25519`). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return '';
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    let marker: KnownHostLine['marker'];
    if (f[0] === '@cert-authority' || f[0] === '@revoked') {
      marker = f[0].slice(1) as KnownHostLine['marker'];
      f.shift();
    }
    const [hosts, keyType, key] = f;
    if (hosts === undefined || keyType === undefined || key === undefined) continue;
    out.push({ ...(marker ? { marker } : {}), hosts, keyType, key });
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedMatches(entry: string, name: string): boolean {
  const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(entry);
  if (!m?.[1] || !m[2]) return false;
  const mac = createHmac('sha1', Buffer.from(m[1], 'base64')).update(name).digest('base64');
  return mac === m[2];
}

/** Whether a line's host field names `name` (a negated match excludes the line outright). */
export function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) return hashedMatches(field, name);
  let matched = false;
  for (const pat of field.split(',')) {
    if (pat.startsWith('!')) {
      if (globToRegExp(pat.slice(1)).test(name)) return false;
    } else if (globToRegExp(pat).test(name)) matched = true;
  }
  return matched;
}

/** Checks a presented key against known_hosts lines. */
export function verifyHostKey(
  lines: readonly KnownHostLine[],
  host: string,
  port: number,
  keyBlob: Buffer,
): HostKeyVerdict {
  const name = knownHostName(host, port);
  const b64 = keyBlob.toString('base64');
  let seen = false;
  for (const l of lines) {
    if (l.marker === 'cert-authority' || !hostsFieldMatches(l.hosts, name)) continue;
    if (l.marker === 'revoked') {
      if (l.key === b64) return 'revoked';
      continue;
    }
    seen = true;
    if (l.key === b64) return 'match';
  }
  return seen ? 'mismatch' : 'unknown';
}

/** Host-key algorithms ssh2 can verify (others, e.g. security-key types, are left to the default). */
const SUPPORTED_HOST_KEY_ALGORITHMS = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
  'ssh-dss',
]);

/** Host-key algorithms that produce keys of a known_hosts key type (RSA keys sign with SHA-2 too). */
const ALGORITHMS_FOR_TYPE: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * The host-key algorithms to offer for a host: those of the key types known_hosts holds for it,
 * so the server is asked for a key we can check (as OpenSSH orders them), or undefined for the
 * library default when the host is not listed. Without this a server with several host keys may
 * present a type known_hosts lacks, which would look like a changed key.
 */
export function hostKeyAlgorithmsFor(
  lines: readonly KnownHostLine[],
  host: string,
  port: number,
): string[] | undefined {
  const name = knownHostName(host, port);
  const algs: string[] = [];
  for (const l of lines) {
    if (l.marker !== undefined || !hostsFieldMatches(l.hosts, name)) continue;
    for (const a of ALGORITHMS_FOR_TYPE[l.keyType] ?? [l.keyType]) {
      if (SUPPORTED_HOST_KEY_ALGORITHMS.has(a) && !algs.includes(a)) algs.push(a);
    }
  }
  return algs.length > 0 ? algs : undefined;
}

/** A known_hosts file, read fresh for every check (connections are pooled, so checks are rare). */
export class KnownHostsFile {
  constructor(readonly path: string) {}

  async lines(): Promise<KnownHostLine[]> {
    try {
      return parseKnownHosts(await readFile(this.path, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  async algorithmsFor(host: string, port: number): Promise<string[] | undefined> {
    return hostKeyAlgorithmsFor(await this.lines(), host, port);
  }

  async verify(host: string, port: number, keyBlob: Buffer): Promise<HostKeyVerdict> {
    return verifyHostKey(await this.lines(), host, port, keyBlob);
  }

  /** Trust-on-first-use: appends the presented key (only called when explicitly enabled). */
  async add(host: string, port: number, keyBlob: Buffer): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await appendFile(
      this.path,
      `${knownHostName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`,
      {
        mode: 0o600,
      },
    );
  }
}
