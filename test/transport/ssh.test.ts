/**
 * The SSH transport against real OpenSSH sshd instances on loopback: host-key checking, auth,
 * pooling, timeouts, cancellation, idempotency, jump hosts and fan-out.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandActivities } from '../../activities/commands';
import type { RunCommandInput } from '../../activities/types';
import { SecretStore } from '../../services/secrets';
import { createSshExecutor } from '../../services/transport/client';
import type { SshExecutor } from '../../services/transport/client';
import { freePort, startSshd, stopProcess, TEST_USER } from '../support/services';
import type { SshdFleet } from '../support/services';
import { input, sshConfig, target } from './helpers';

let fleet: SshdFleet;
let work: string;
const executors: SshExecutor[] = [];

beforeAll(async () => {
  fleet = await startSshd(8);
  work = mkdtempSync(join(tmpdir(), 'fb-ssh-test-'));
});
afterAll(async () => {
  await Promise.all(executors.map((e) => e.close()));
  await fleet?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function hostOf(i = 0): string {
  return `127.0.0.1:${fleet.instances[i]!.port}`;
}

function setup(over: Parameters<typeof sshConfig>[0] = {}, secrets?: SecretStore) {
  const ssh = sshConfig({
    knownHostsFile: fleet.knownHostsFile,
    privateKeyFile: fleet.clientKeyFile,
    ...over,
  });
  const executor = createSshExecutor({ ssh, ...(secrets ? { secrets } : {}) });
  executors.push(executor);
  const acts = createCommandActivities({
    config: { home: work, ssh, inventory: {}, secrets: {} },
    transports: { ssh: executor },
    ...(secrets ? { secrets } : {}),
  });
  return { executor, acts };
}

function sshInput(command: string, hosts: string[] = [hostOf()], over: Partial<RunCommandInput> = {}) {
  return input(command, { target: target({ transport: 'ssh', hosts, user: TEST_USER }), ...over });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

/** Runs a command on the first sshd as the test user (a second, independent check). */
function remote(acts: ReturnType<typeof setup>['acts'], cmd: string) {
  return acts.runCommand(sshInput(cmd)).then((r) => r.hosts[0]!);
}

describe('host keys', () => {
  test('a host listed in known_hosts is accepted and the command runs as the login user', async () => {
    const { acts } = setup();
    const h = await remote(acts, 'id -un; echo "$HOME"');
    expect(h).toMatchObject({ ok: true, exitCode: 0, stdout: `${TEST_USER}\n${fleet.user.home}\n` });
  });

  test('a hashed known_hosts entry (|1|salt|hash) is accepted', async () => {
    const salt = randomBytes(20);
    const name = `[127.0.0.1]:${fleet.instances[1]!.port}`;
    const hash = createHmac('sha1', salt).update(name).digest('base64');
    const file = join(work, 'known_hosts_hashed');
    writeFileSync(file, `|1|${salt.toString('base64')}|${hash} ${fleet.hostPublicKey}\n`);
    const { acts } = setup({ knownHostsFile: file });
    const r = await acts.runCommand(sshInput('echo hashed', [hostOf(1)]));
    expect(r.hosts[0]!.stdout).toBe('hashed\n');
  });

  test('an unknown host fails with UnknownHostKey naming the host and its SHA256 fingerprint', async () => {
    const file = join(work, 'known_hosts_empty');
    writeFileSync(file, '');
    const { acts } = setup({ knownHostsFile: file });
    const e = await failure(acts.runCommand(sshInput('echo never')));
    expect(e).toBeInstanceOf(ApplicationFailure);
    expect((e as ApplicationFailure).type).toBe('UnknownHostKey');
    expect((e as ApplicationFailure).nonRetryable).toBe(true);
    const fp = execFileSync('ssh-keygen', ['-lf', `${join(fleet.dir, 'ssh_host_ed25519_key.pub')}`], {
      encoding: 'utf8',
    }).split(' ')[1]!;
    expect(e.message).toContain(`[127.0.0.1]:${fleet.instances[0]!.port}`);
    expect(e.message).toContain(fp);
  });

  test('a changed host key fails with HostKeyMismatch', async () => {
    const other = execFileSync(
      'sh',
      ['-c', `ssh-keygen -q -t ed25519 -N '' -f ${work}/otherkey && cat ${work}/otherkey.pub`],
      {
        encoding: 'utf8',
      },
    );
    const file = join(work, 'known_hosts_wrong');
    writeFileSync(
      file,
      `[127.0.0.1]:${fleet.instances[0]!.port} ${other.split(' ').slice(0, 2).join(' ')}\n`,
    );
    const { acts } = setup({ knownHostsFile: file });
    const e = await failure(acts.runCommand(sshInput('echo never')));
    expect((e as ApplicationFailure).type).toBe('HostKeyMismatch');
    expect(e.message).toContain('SHA256:');
  });

  test('with acceptUnknownHosts an unknown host is trusted on first use and written to known_hosts', async () => {
    const file = join(work, 'known_hosts_tofu');
    writeFileSync(file, '');
    const { acts } = setup({ knownHostsFile: file, acceptUnknownHosts: true });
    const r = await acts.runCommand(sshInput('echo tofu'));
    expect(r.hosts[0]!.stdout).toBe('tofu\n');
    expect(readFileSync(file, 'utf8')).toBe(
      `[127.0.0.1]:${fleet.instances[0]!.port} ${fleet.hostPublicKey}\n`,
    );
  });
});

describe('authentication and connection errors', () => {
  test('a key the server does not accept fails with AuthenticationFailed', async () => {
    const { acts } = setup({ privateKeyFile: fleet.strangerKeyFile });
    const e = await failure(acts.runCommand(sshInput('echo never')));
    expect((e as ApplicationFailure).type).toBe('AuthenticationFailed');
    expect((e as ApplicationFailure).nonRetryable).toBe(true);
    expect(e.message).toContain(TEST_USER);
  });

  test('an encrypted key works with its passphrase from a secret', async () => {
    const store = new SecretStore({ pass: { env: 'FB_TEST_PASS' } }, { FB_TEST_PASS: fleet.passphrase });
    const { acts } = setup({ privateKeyFile: fleet.encryptedKeyFile, passphraseSecret: 'pass' }, store);
    const h = await remote(acts, 'echo unlocked');
    expect(h.stdout).toBe('unlocked\n');
  });

  test('an encrypted key with a wrong passphrase fails with SshKeyError, not a retry', async () => {
    const store = new SecretStore({ pass: { env: 'FB_TEST_PASS' } }, { FB_TEST_PASS: 'wrong passphrase' });
    const { acts } = setup({ privateKeyFile: fleet.encryptedKeyFile, passphraseSecret: 'pass' }, store);
    const e = await failure(acts.runCommand(sshInput('echo never')));
    expect((e as ApplicationFailure).type).toBe('SshKeyError');
    expect((e as ApplicationFailure).nonRetryable).toBe(true);
    expect(e.message).not.toContain('wrong passphrase');
  });

  test('a private key can come from a named secret instead of a file', async () => {
    const store = new SecretStore({ key: { file: fleet.clientKeyFile } });
    const { acts } = setup({ privateKeyFile: undefined, privateKeySecret: 'key' }, store);
    const h = await remote(acts, 'echo from-secret');
    expect(h.stdout).toBe('from-secret\n');
  });

  test('ssh-agent (SSH_AUTH_SOCK) authenticates when enabled', async () => {
    const sock = join(work, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      const end = Date.now() + 5000;
      while (!existsSync(sock) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', [fleet.clientKeyFile], { env: { SSH_AUTH_SOCK: sock }, stdio: 'pipe' });
      const ssh = sshConfig({ knownHostsFile: fleet.knownHostsFile, useAgent: true });
      const executor = createSshExecutor({ ssh, env: { SSH_AUTH_SOCK: sock } });
      executors.push(executor);
      const acts = createCommandActivities({
        config: { home: work, ssh, inventory: {}, secrets: {} },
        transports: { ssh: executor },
      });
      expect((await remote(acts, 'echo agent')).stdout).toBe('agent\n');
      await executor.close();
    } finally {
      await stopProcess(agent);
    }
  });

  test('a refused connection is a transient (retryable) error', async () => {
    const port = await freePort();
    const { acts } = setup();
    const e = await failure(acts.runCommand(sshInput('echo never', [`127.0.0.1:${port}`])));
    expect(e).not.toBeInstanceOf(ApplicationFailure);
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });
});

describe('connection pool', () => {
  test('many concurrent commands to one host share a bounded number of connections', async () => {
    const ssh = sshConfig({
      knownHostsFile: fleet.knownHostsFile,
      privateKeyFile: fleet.clientKeyFile,
      poolMaxPerHost: 2,
    });
    const executor = createSshExecutor({ ssh, maxChannelsPerConnection: 4 });
    executors.push(executor);
    const acts = createCommandActivities({
      config: { home: work, ssh, inventory: {}, secrets: {} },
      transports: { ssh: executor },
    });
    let maxConns = 0;
    let maxChannels = 0;
    const probe = setInterval(() => {
      const s = executor.stats();
      maxConns = Math.max(maxConns, s.connections);
      maxChannels = Math.max(maxChannels, s.activeChannels);
    }, 5);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => acts.runCommand(sshInput(`sleep 0.2; echo ${i}`))),
    );
    clearInterval(probe);
    expect(results.map((r) => r.hosts[0]!.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    expect(maxConns).toBeLessThanOrEqual(2);
    expect(maxChannels).toBeLessThanOrEqual(8);
    expect(executor.stats().dials).toBe(2);
  });

  test('an idle connection is closed after poolIdleMs', async () => {
    const { acts, executor } = setup({ poolIdleMs: 200 });
    await remote(acts, 'true');
    expect(executor.stats().connections).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(executor.stats().connections).toBe(0);
  });

  test('a server that never completes the handshake gives a transient timeout error', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const { acts } = setup({ connectTimeoutMs: 500 });
      const e = await failure(acts.runCommand(sshInput('echo never', [`127.0.0.1:${port}`])));
      expect(e).not.toBeInstanceOf(ApplicationFailure);
      expect(e.message).toMatch(/Timed out|timeout/i);
    } finally {
      server.close();
    }
  });
});

describe('running commands', () => {
  test('the pool reuses one connection across many commands', async () => {
    const { acts, executor } = setup();
    for (let i = 0; i < 5; i++) expect((await remote(acts, `echo ${i}`)).stdout).toBe(`${i}\n`);
    expect(executor.stats()).toMatchObject({ dials: 1, connections: 1 });
  });

  test('a dead pooled connection is evicted and re-dialled', async () => {
    const { acts, executor } = setup();
    await remote(acts, 'true');
    // Kill this connection's sshd session process from the server side.
    await acts.runCommand(sshInput('kill -9 $PPID', [hostOf()])).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const h = await remote(acts, 'echo again');
    expect(h.stdout).toBe('again\n');
    expect(executor.stats().dials).toBe(2);
  });

  test('secrets reach the remote command via stdin/env and are masked in output', async () => {
    const store = new SecretStore({ token: { env: 'FB_TEST_TOKEN' } }, { FB_TEST_TOKEN: 's3cr3t-VALUE-xyz' });
    const { acts } = setup({}, store);
    const r = await acts.runCommand(
      sshInput(
        'printf "%s" "$FIREBREAK_SECRET_TOKEN" > pat; echo "t=$FIREBREAK_SECRET_TOKEN"; ' +
          'grep -l -a -F -f pat /proc/[0-9]*/cmdline 2>/dev/null | wc -l; rm -f pat',
        [hostOf()],
        { secrets: ['token'], cwd: '/tmp' },
      ),
    );
    expect(r.hosts[0]!.stdout).toBe('t=***\n0\n');
  });

  test('a command timeout kills the remote process group and fails with CommandTimeout', async () => {
    const { acts } = setup();
    const pidFile = `/tmp/fb-timeout-${randomUUID()}`;
    const e = await failure(
      acts.runCommand(sshInput(`sleep 300 & echo $! > ${pidFile}; wait`, [hostOf()], { timeoutMs: 1000 })),
    );
    expect((e as ApplicationFailure).type).toBe('CommandTimeout');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    rmSync(pidFile, { force: true });
    expect(alive(pid)).toBe(false);
  });

  test('a remote process that ignores TERM is killed with KILL after the grace period', async () => {
    const ssh = sshConfig({ knownHostsFile: fleet.knownHostsFile, privateKeyFile: fleet.clientKeyFile });
    const executor = createSshExecutor({ ssh, killGraceMs: 300 });
    executors.push(executor);
    const acts = createCommandActivities({
      config: { home: work, ssh, inventory: {}, secrets: {} },
      transports: { ssh: executor },
    });
    const pidFile = `/tmp/fb-stubborn-${randomUUID()}`;
    const e = await failure(
      acts.runCommand(
        sshInput(`trap '' TERM; sleep 300 & echo $! > ${pidFile}; wait; sleep 300`, [hostOf()], {
          timeoutMs: 500,
        }),
      ),
    );
    expect((e as ApplicationFailure).type).toBe('CommandTimeout');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    rmSync(pidFile, { force: true });
    expect(alive(pid)).toBe(false);
  });

  test('cancelling the activity mid-command kills the remote process group', async () => {
    const { acts } = setup();
    const pidFile = `/tmp/fb-cancel-${randomUUID()}`;
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3000 });
    const p = env.run(acts.runCommand, sshInput(`sleep 300 & echo $! > ${pidFile}; wait`));
    const end = Date.now() + 10000;
    while (Date.now() < end) {
      try {
        if (readFileSync(pidFile, 'utf8').trim() !== '') break;
      } catch {
        // not yet written
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    env.cancel();
    await expect(p).rejects.toThrow();
    rmSync(pidFile, { force: true });
    expect(alive(pid)).toBe(false);
  });

  test('the idempotency guard on the target runs a keyed command once', async () => {
    const { acts } = setup();
    const counter = `/tmp/fb-idem-${randomUUID()}`;
    const key = `inc-${randomUUID()}/restart`;
    const cmd = `echo run >> ${counter}; echo done`;
    const a = await acts.runCommand(sshInput(cmd, [hostOf()], { idempotencyKey: key }));
    const b = await acts.runCommand(sshInput(cmd, [hostOf()], { idempotencyKey: key }));
    expect(a.hosts[0]!.replayed).toBeUndefined();
    expect(b.hosts[0]).toMatchObject({ stdout: 'done\n', exitCode: 0, replayed: true });
    expect(readFileSync(counter, 'utf8')).toBe('run\n');
    rmSync(counter, { force: true });
  });

  test('a jump host tunnels the connection (ProxyJump)', async () => {
    const { acts } = setup();
    const r = await acts.runCommand(
      input('echo via-jump', {
        target: target({
          transport: 'ssh',
          hosts: [hostOf(2)],
          user: TEST_USER,
          jump: `${TEST_USER}@${hostOf(3)}`,
        }),
      }),
    );
    expect(r.hosts[0]!.stdout).toBe('via-jump\n');
  });
});

describe('fan-out', () => {
  test('fan-out to 8 sshd instances never exceeds the concurrency limit', async () => {
    const { acts } = setup();
    const log = `/tmp/fb-fanout-${randomUUID()}`;
    const hosts = fleet.instances.map((_, i) => hostOf(i));
    // Each host appends start/end timestamps (ns) to one shared file; overlaps give max concurrency.
    const r = await acts.runCommand(
      sshInput(`echo "s $(date +%s%N)" >> ${log}; sleep 0.4; echo "e $(date +%s%N)" >> ${log}`, hosts, {
        target: target({ transport: 'ssh', hosts, user: TEST_USER, concurrency: 3 }),
      }),
    );
    expect(r.hosts).toHaveLength(8);
    expect(r.hosts.every((h) => h.ok)).toBe(true);
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([k, t]) => ({ k, t: BigInt(t!) }))
      .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    let cur = 0;
    let max = 0;
    for (const ev of events) {
      cur += ev.k === 's' ? 1 : -1;
      max = Math.max(max, cur);
    }
    rmSync(log, { force: true });
    expect(events).toHaveLength(16);
    expect(max).toBe(3);
  });

  test('failFast stops starting hosts after the first failure; continue runs them all', async () => {
    const { acts } = setup();
    const hosts = fleet.instances.slice(0, 4).map((_, i) => hostOf(i));
    const ff = await acts.runCommand(
      sshInput('exit 7', hosts, {
        target: target({ transport: 'ssh', hosts, user: TEST_USER, concurrency: 1, failFast: true }),
      }),
    );
    expect(ff.hosts.map((h) => h.exitCode)).toEqual([7, null, null, null]);
    expect(ff.hosts[1]!.error).toContain('not started');
    const all = await acts.runCommand(
      sshInput('exit 7', hosts, {
        target: target({ transport: 'ssh', hosts, user: TEST_USER, concurrency: 2, failFast: false }),
      }),
    );
    expect(all.hosts.map((h) => h.exitCode)).toEqual([7, 7, 7, 7]);
  });

  test('an inventory group supplies the hosts of a target', async () => {
    const ssh = sshConfig({ knownHostsFile: fleet.knownHostsFile, privateKeyFile: fleet.clientKeyFile });
    const executor = createSshExecutor({ ssh });
    executors.push(executor);
    const acts = createCommandActivities({
      config: {
        home: work,
        ssh,
        inventory: {
          db: fleet.instances.slice(0, 2).map((i) => ({ host: '127.0.0.1', port: i.port, user: TEST_USER })),
        },
        secrets: {},
      },
      transports: { ssh: executor },
    });
    const r = await acts.runCommand(
      input('echo member', { target: target({ transport: 'ssh', hosts: [], group: 'db' }) }),
    );
    expect(r.hosts.map((h) => h.host)).toEqual(fleet.instances.slice(0, 2).map((i) => `127.0.0.1:${i.port}`));
    const e = await failure(
      acts.runCommand(input('true', { target: target({ transport: 'ssh', hosts: [], group: 'nope' }) })),
    );
    expect((e as ApplicationFailure).type).toBe('InvalidHost');
  });
});

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}
