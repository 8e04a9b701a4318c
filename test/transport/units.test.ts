/** Pure pieces of the transport: known_hosts matching, host parsing, fan-out limits, output shaping. */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandActivities } from '../../activities/commands';
import { mapLimit, parseHostSpec, resolveEndpoints } from '../../services/transport/hosts';
import {
  hostKeyAlgorithmsFor,
  fingerprint,
  hostsFieldMatches,
  knownHostName,
  parseKnownHosts,
  verifyHostKey,
} from '../../services/transport/knownHosts';
import { capText, extractValue } from '../../services/transport/output';
import { runOnEndpoint } from '../../services/transport/runner';
import type { Executor, ExitStatus } from '../../services/transport/transport';
import {
  buildKillScript,
  buildWrapper,
  execLine,
  newMarkerNonce,
  parseMarkers,
} from '../../services/transport/wrapper';
import { shellQuote } from '../../language/expressions/quote';
import { input, sshConfig, target } from './helpers';

const KEY_A = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), randomBytes(36)]);
const KEY_B = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), randomBytes(36)]);

describe('known_hosts', () => {
  test('names non-default ports in brackets, as OpenSSH does', () => {
    expect(knownHostName('db1', 22)).toBe('db1');
    expect(knownHostName('db1', 2222)).toBe('[db1]:2222');
  });

  test('matches plain, wildcard, negated and hashed host fields', () => {
    expect(hostsFieldMatches('db1,db2', 'db2')).toBe(true);
    expect(hostsFieldMatches('*.prod,!bad.prod', 'ok.prod')).toBe(true);
    expect(hostsFieldMatches('*.prod,!bad.prod', 'bad.prod')).toBe(false);
    expect(hostsFieldMatches('db?', 'db10')).toBe(false);
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64');
    expect(hostsFieldMatches(`|1|${salt.toString('base64')}|${hash}`, '[10.0.0.5]:2222')).toBe(true);
    expect(hostsFieldMatches(`|1|${salt.toString('base64')}|${hash}`, '10.0.0.5')).toBe(false);
  });

  test('gives match, mismatch, unknown and revoked verdicts', () => {
    const lines = parseKnownHosts(
      [
        '# comment',
        `db1 ssh-ed25519 ${KEY_A.toString('base64')}`,
        `@revoked * ssh-ed25519 ${KEY_B.toString('base64')}`,
        `@cert-authority *.prod ssh-ed25519 ${KEY_B.toString('base64')}`,
      ].join('\n'),
    );
    expect(verifyHostKey(lines, 'db1', 22, KEY_A)).toBe('match');
    expect(verifyHostKey(lines, 'db1', 22, KEY_B)).toBe('revoked');
    expect(verifyHostKey(lines, 'db1', 2222, KEY_A)).toBe('unknown');
    const noRevoked = lines.filter((l) => l.marker === undefined);
    expect(verifyHostKey(noRevoked, 'db1', 22, KEY_B)).toBe('mismatch');
    expect(verifyHostKey(noRevoked, 'x.prod', 22, KEY_B)).toBe('unknown');
  });

  test('offers the host-key algorithms of the key types known_hosts holds for the host', () => {
    const lines = parseKnownHosts(
      [
        `[db1]:2222 ssh-rsa AAAA`,
        `[db1]:2222 ecdsa-sha2-nistp256 AAAA`,
        `db2 sk-ssh-ed25519@openssh.com AAAA`,
      ].join('\n'),
    );
    expect(hostKeyAlgorithmsFor(lines, 'db1', 2222)).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ecdsa-sha2-nistp256',
    ]);
    expect(hostKeyAlgorithmsFor(lines, 'db2', 22)).toBeUndefined();
    expect(hostKeyAlgorithmsFor(lines, 'db3', 22)).toBeUndefined();
  });

  test('prints fingerprints as SHA256:<unpadded base64>', () => {
    expect(fingerprint(KEY_A)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('host specs', () => {
  test('parses host, host:port, user@host:port and bracketed IPv6', () => {
    expect(parseHostSpec('db1')).toEqual({ host: 'db1' });
    expect(parseHostSpec('db1:2222')).toEqual({ host: 'db1', port: 2222 });
    expect(parseHostSpec('ops@db1:2222')).toEqual({ user: 'ops', host: 'db1', port: 2222 });
    expect(parseHostSpec('[::1]:22')).toEqual({ host: '::1', port: 22 });
    expect(parseHostSpec('::1')).toEqual({ host: '::1' });
  });

  test('refuses hosts carrying shell metacharacters or bad ports', () => {
    expect(() => parseHostSpec('db1;rm -rf /')).toThrow(/invalid host/);
    expect(() => parseHostSpec('db1:99999')).toThrow(/bad port/);
    expect(() => parseHostSpec('')).toThrow(/empty/);
  });

  test('merges target hosts with inventory hosts, deduplicated, with port and user precedence', () => {
    const eps = resolveEndpoints(
      target({ transport: 'ssh', hosts: ['a:2201', 'b'], group: 'g', port: 2200, user: 'ops' }),
      {
        g: [
          { host: 'b', port: 2200 },
          { host: 'c', user: 'root', port: 2202 },
        ],
      },
    );
    expect(eps.map((e) => `${e.user}@${e.host}:${e.port}`)).toEqual([
      'ops@a:2201',
      'ops@b:2200',
      'root@c:2202',
    ]);
  });
});

describe('fan-out', () => {
  test('never runs more than the limit at once and keeps result order', async () => {
    let cur = 0;
    let max = 0;
    const res = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, false, async (n) => {
      cur++;
      max = Math.max(max, cur);
      await new Promise((r) => setTimeout(r, 10 + (n % 3) * 5));
      cur--;
      return n * 2;
    });
    expect(max).toBe(3);
    expect(res.map((r) => (r.ok ? r.value : null))).toEqual([2, 4, 6, 8, 10, 12, 14]);
  });

  test('failFast stops starting new items after a failure', async () => {
    const started: number[] = [];
    const res = await mapLimit(
      [1, 2, 3, 4],
      1,
      true,
      async (n) => {
        started.push(n);
        return n;
      },
      (n) => n === 2,
    );
    expect(started).toEqual([1, 2]);
    expect(res.map((r) => r.ok)).toEqual([true, true, false, false]);
  });
});

describe('output shaping', () => {
  test('caps on a UTF-8 character boundary and says how much was cut', () => {
    const r = capText('ééééé', 5);
    expect(r.truncated).toBe(true);
    expect(r.text.startsWith('éé\n…[truncated: 6 more bytes]')).toBe(true);
    expect(capText('short', 100)).toEqual({ text: 'short', truncated: false });
  });

  test('converts extracted values by type and falls back to the default', () => {
    expect(extractValue({ name: 'n', from: 'stdout', regex: 'n=(\\d+)', type: 'number' }, 'n=12')).toBe(12);
    expect(
      extractValue({ name: 'n', from: 'stdout', regex: 'n=(\\w+)', type: 'number', default: 0 }, 'n=abc'),
    ).toBe(0);
    expect(
      extractValue(
        { name: 'b', from: 'stdout', regex: '^(noop)$', type: 'boolean', default: false },
        'x\nnoop\n',
      ),
    ).toBe(true);
    expect(extractValue({ name: 'b', from: 'stdout', regex: 'ok=(\\w+)', type: 'boolean' }, 'ok=false')).toBe(
      false,
    );
    expect(
      extractValue({ name: 'j', from: 'stdout', json: 'a.1', type: 'json' }, '{"a":[1,{"b":2}]}'),
    ).toEqual({ b: 2 });
    expect(extractValue({ name: 'r', from: 'stdout', regex: '(', type: 'string', default: 'd' }, 'x')).toBe(
      'd',
    );
  });

  const N = '0123456789abcdef0123456789abcdef';

  test('parses the wrapper markers at the start of stderr and nothing after them', () => {
    const lead = `\x1eFB ${N} pgid=42\n\x1eFB ${N} idem=replayed\n`;
    const m = parseMarkers(Buffer.from(`${lead}real stderr\x1eFB ${N} pgid=1\n`), N);
    expect(m).toMatchObject({ pgid: 42, idem: 'replayed', complete: true });
    expect(m.length).toBe(lead.length);
  });

  test('a marker without the run nonce, a second pgid, or a group of 1 or less is not believed', () => {
    expect(parseMarkers(Buffer.from('\x1eFB pgid=42\nx'), N)).toMatchObject({ length: 0, complete: true });
    expect(parseMarkers(Buffer.from(`\x1eFB ${'f'.repeat(32)} pgid=42\nx`), N).pgid).toBeUndefined();
    const two = parseMarkers(Buffer.from(`\x1eFB ${N} pgid=42\n\x1eFB ${N} pgid=7\nx`), N);
    expect(two.pgid).toBe(42);
    expect(parseMarkers(Buffer.from(`\x1eFB ${N} pgid=1\nx`), N).pgid).toBeUndefined();
    expect(parseMarkers(Buffer.from(`\x1eFB ${N} pgid=0\nx`), N).pgid).toBeUndefined();
    expect(() => buildKillScript(1, 100)).toThrow(/refusing to signal process group 1/);
    expect(buildKillScript(4242, 100)).toContain('[ "$p" -gt 1 ] && [ "$p" != "$$" ] || exit 0');
  });

  test('the login-shell flag counts only on the first pgid marker of this run', () => {
    expect(parseMarkers(Buffer.from(`\x1eFB ${N} pgid=42 login=sh\nx`), N)).toMatchObject({
      pgid: 42,
      loginShellIsSh: true,
    });
    expect(parseMarkers(Buffer.from(`\x1eFB ${N} pgid=42\nx`), N).loginShellIsSh).toBeUndefined();
    const later = parseMarkers(Buffer.from(`\x1eFB ${N} pgid=42\n\x1eFB ${N} pgid=43 login=sh\nx`), N);
    expect(later).toMatchObject({ pgid: 42 });
    expect(later.loginShellIsSh).toBeUndefined();
    const forged = `\x1eFB ${'f'.repeat(32)} pgid=42 login=sh\nx`;
    expect(parseMarkers(Buffer.from(forged), N).loginShellIsSh).toBeUndefined();
    expect(parseMarkers(Buffer.from(`\x1eFB ${N} pgid=1 login=sh\nx`), N).loginShellIsSh).toBeUndefined();
  });

  test('the exec line is the script itself only when the login shell is known to be /bin/sh', () => {
    const script = buildWrapper({ command: "echo 'hi'", secrets: [], env: {}, sudo: false });
    expect(execLine(script, true)).toBe(script);
    expect(execLine(script)).toBe(`exec /bin/sh -c ${shellQuote(script)} sh`);
    expect(script).toContain('case $SHELL in /bin/sh)');
  });

  test('the wrapper never puts a secret value or unquoted env value in the script', () => {
    const script = buildWrapper({
      command: 'true',
      secrets: ['db-pass'],
      env: { A: "x'; rm -rf /" },
      sudo: true,
    });
    expect(script).toContain('FIREBREAK_SECRET_DB_PASS');
    expect(script).toContain('sudo -n /bin/sh -c');
    expect(script).not.toContain("x'; rm");
  });
});

describe('killing a run', () => {
  /** A fake process whose pgid marker arrives when the test says, and which dies when killed. */
  function fakeRun(markerAfterMs: number) {
    const killed: (number | undefined)[] = [];
    const executor: Executor = {
      kind: 'ssh',
      close: async () => undefined,
      async start(_ep, req) {
        let finish!: (s: ExitStatus) => void;
        const exited = new Promise<ExitStatus>((r) => (finish = r));
        setTimeout(() => req.onStderr(Buffer.from(`\x1eFB ${nonce} pgid=4242\n`)), markerAfterMs);
        return {
          exited,
          kill: async (pgid) => {
            killed.push(pgid);
            finish({ exitCode: null, signal: 'TERM' });
          },
        };
      },
    };
    const nonce = newMarkerNonce();
    const abort = new AbortController();
    const run = runOnEndpoint(
      executor,
      { label: 'h', host: 'h', port: 22, user: 'u' },
      {
        script: '',
        stdin: '',
        timeoutMs: 60_000,
        outputCapBytes: 100,
        extract: [],
        markerNonce: nonce,
        mask: (t) => t,
        signal: abort.signal,
      },
    );
    return { killed, abort, run };
  }

  test('a cancel that comes before the pgid marker waits for the marker and kills that group', async () => {
    const { killed, abort, run } = fakeRun(150);
    await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    await expect(run).rejects.toThrow(/cancel/i);
    expect(killed).toEqual([4242]);
  });

  test('a cancel after the pgid marker kills that group at once', async () => {
    const { killed, abort, run } = fakeRun(0);
    await new Promise((r) => setTimeout(r, 20));
    const t = Date.now();
    abort.abort();
    await expect(run).rejects.toThrow(/cancel/i);
    expect(killed).toEqual([4242]);
    expect(Date.now() - t).toBeLessThan(1000);
  });
});

describe('sudo', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fb-sudo-'));
    // A stand-in `sudo` that, like the real one, starts the command with a reset environment.
    writeFileSync(
      join(dir, 'sudo'),
      '#!/bin/sh\n[ "$1" = "-n" ] && shift\nexec env -i PATH="$PATH" FAKE_SUDO=1 "$@"\n',
    );
    chmodSync(join(dir, 'sudo'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('with sudo, secrets, env and cwd survive the environment reset (they travel inside the script and stdin)', async () => {
    const oldPath = process.env.PATH;
    process.env.PATH = `${dir}:${oldPath ?? ''}`;
    try {
      const acts = createCommandActivities({
        config: { home: dir, ssh: sshConfig(), inventory: {}, secrets: { tok: { env: 'FB_SUDO_TOK' } } },
      });
      process.env.FB_SUDO_TOK = 'sudo-secret-value';
      const r = await acts.runCommand(
        input(
          'echo "$FAKE_SUDO $MODE $(pwd)"; [ "$FIREBREAK_SECRET_TOK" = sudo-secret-value ] && echo secret-ok',
          {
            sudo: true,
            env: { MODE: 'fast' },
            cwd: '/tmp',
            secrets: ['tok'],
          },
        ),
      );
      expect(r.hosts[0]!.stdout).toBe('1 fast /tmp\nsecret-ok\n');
    } finally {
      process.env.PATH = oldPath;
      delete process.env.FB_SUDO_TOK;
    }
  });
});
