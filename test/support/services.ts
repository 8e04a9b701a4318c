/**
 * Real services for tests and benchmarks, on 127.0.0.1 free ports inside a temp dir: OpenSSH sshd
 * instances (generated host and client keys, a non-root test user, a generated known_hosts),
 * PostgreSQL 15, Redis and supervisord with a tiny supervised HTTP service. Each `start*` returns
 * a handle whose `stop()` kills what it started and removes its files; call it in `afterAll`.
 *
 * Needs root (sshd must switch users; the test user is created with `useradd` if missing).
 */
import { freePort, waitForPort } from './net';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The non-root login used on every test sshd. */
export const TEST_USER = 'firebreak-test';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Creates the test user (login shell /bin/sh, home under /home) if it does not exist yet. */
export function ensureTestUser(name = TEST_USER): TestUser {
  const lookup = () => {
    try {
      return execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  let line = lookup();
  if (line === '') {
    try {
      execFileSync('useradd', ['-m', '-s', '/bin/sh', name], { stdio: 'pipe' });
    } catch (e) {
      // Another test file may have created it concurrently.
      if (lookup() === '') throw e;
    }
    line = lookup();
    // useradd leaves the account locked (`!`), and sshd without PAM refuses locked accounts even
    // for key auth; `*` means "no password" without locking.
    execFileSync('usermod', ['-p', '*', name], { stdio: 'pipe' });
  }
  const f = line.split(':');
  return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? `/home/${name}` };
}

/** Stops a child: TERM, then KILL after `graceMs`; resolves when it has exited. */
export async function stopProcess(proc: ChildProcess, graceMs = 5000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

/** Stops a service's process and removes its scratch directory. */
async function stopAndRemove(proc: ChildProcess, dir: string): Promise<void> {
  await stopProcess(proc);
  rmSync(dir, { recursive: true, force: true });
}

/** Waits until a service is ready; if it never is, cleans up before failing. */
async function readyOrCleanUp(proc: ChildProcess, dir: string, ready: () => Promise<void>): Promise<void> {
  try {
    await ready();
  } catch (e) {
    await stopAndRemove(proc, dir);
    throw e;
  }
}

function tempDir(prefix: string, user?: TestUser): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  if (user) chownSync(dir, user.uid, user.gid);
  return dir;
}

function keygen(file: string, passphrase = '', comment = 'firebreak-test'): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', file], {
    stdio: 'pipe',
  });
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

export interface SshdInstance {
  port: number;
  proc: ChildProcess;
}

export interface SshdFleet {
  dir: string;
  user: TestUser;
  instances: SshdInstance[];
  /** Client key authorised on every instance (no passphrase). */
  clientKeyFile: string;
  /** Client key authorised on every instance, encrypted with {@link passphrase}. */
  encryptedKeyFile: string;
  passphrase: string;
  /** A key that is NOT authorised anywhere. */
  strangerKeyFile: string;
  /** known_hosts naming every instance as `[127.0.0.1]:port`. */
  knownHostsFile: string;
  /** The host public key line (`ssh-ed25519 AAAA…`). */
  hostPublicKey: string;
  /** Starts another instance with the same keys, and adds it to known_hosts. */
  add(): Promise<SshdInstance>;
  stop(): Promise<void>;
}

/**
 * Starts `count` sshd instances (separate `sshd -D` processes) sharing host and client keys;
 * `extraConfig` lines are appended to each instance's sshd_config (e.g. `SetEnv PATH=…`).
 */
export async function startSshd(count = 1, extraConfig: string[] = []): Promise<SshdFleet> {
  const user = ensureTestUser();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = tempDir('fb-sshd-');
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const hostPublicKey = keygen(hostKey, '', 'host').split(' ').slice(0, 2).join(' ');
  const clientKeyFile = join(dir, 'client_key');
  const encryptedKeyFile = join(dir, 'client_key_enc');
  const strangerKeyFile = join(dir, 'stranger_key');
  const passphrase = 'correct horse battery';
  const authorized = [keygen(clientKeyFile), keygen(encryptedKeyFile, passphrase)];
  keygen(strangerKeyFile);
  writeFileSync(join(dir, 'authorized_keys'), authorized.join('\n') + '\n', { mode: 0o644 });
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, '');
  const instances: SshdInstance[] = [];

  const add = async (): Promise<SshdInstance> => {
    const port = await freePort();
    const conf = join(dir, `sshd_config.${port}`);
    writeFileSync(
      conf,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, `sshd.${port}.pid`)}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin no',
        `AllowUsers ${user.name}`,
        'AllowTcpForwarding yes',
        'MaxSessions 64',
        'MaxStartups 200',
        'LogLevel ERROR',
        'PrintMotd no',
        ...extraConfig,
        '',
      ].join('\n'),
    );
    const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr?.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
    try {
      await waitForPort(port, 15000, proc);
    } catch (e) {
      await stopProcess(proc);
      throw new Error(`sshd on ${port} did not start: ${(e as Error).message}\n${err}`, { cause: e });
    }
    const inst = { port, proc };
    instances.push(inst);
    writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${hostPublicKey}\n`, { flag: 'a' });
    return inst;
  };
  try {
    for (let i = 0; i < count; i++) await add();
  } catch (e) {
    await Promise.all(instances.map((i) => stopProcess(i.proc)));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    user,
    instances,
    clientKeyFile,
    encryptedKeyFile,
    passphrase,
    strangerKeyFile,
    knownHostsFile,
    hostPublicKey,
    add,
    async stop() {
      await Promise.all(instances.map((i) => stopProcess(i.proc)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function childEnv(user: TestUser): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: user.home, USER: user.name, LANG: 'C.UTF-8' };
}

export interface PostgresService {
  port: number;
  /** Unix socket directory (pass as psql `-h`). */
  socketDir: string;
  /** Runs SQL with psql as the test user, returns stdout. */
  psql(sql: string): string;
  stop(): Promise<void>;
}

/** PostgreSQL 15 as the test user in a temp dir, superuser `postgres`, trust auth on 127.0.0.1. */
export async function startPostgres(): Promise<PostgresService> {
  const user = ensureTestUser();
  const bin = '/usr/lib/postgresql/15/bin';
  const dir = tempDir('fb-pg-', user);
  const data = join(dir, 'data');
  const opts = { uid: user.uid, gid: user.gid, env: childEnv(user), cwd: dir, stdio: 'pipe' as const };
  execFileSync(
    `${bin}/initdb`,
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
    opts,
  );
  const port = await freePort();
  const proc = spawn(
    `${bin}/postgres`,
    ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { ...opts, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  try {
    await waitForPort(port, 30000, proc);
    // Accepting TCP is not yet accepting queries (startup recovery); poll a trivial query.
    const end = Date.now() + 30000;
    for (;;) {
      try {
        execFileSync('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-Atc', 'select 1'], opts);
        break;
      } catch (e) {
        if (Date.now() > end) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stopAndRemove(proc, dir);
    throw e;
  }
  return {
    port,
    socketDir: dir,
    psql: (sql) =>
      execFileSync('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-At', '-c', sql], {
        ...opts,
        encoding: 'utf8',
      }),
    async stop() {
      // SIGINT = PostgreSQL's fast shutdown (terminates sessions, no long wait).
      if (proc.exitCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGINT');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisService {
  port: number;
  cli(...args: string[]): string;
  stop(): Promise<void>;
}

/** redis-server without persistence, as the test user. */
export async function startRedis(): Promise<RedisService> {
  const user = ensureTestUser();
  const dir = tempDir('fb-redis-', user);
  const port = await freePort();
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { uid: user.uid, gid: user.gid, env: childEnv(user), cwd: dir, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  await readyOrCleanUp(proc, dir, () => waitForPort(port, 15000, proc));
  return {
    port,
    cli: (...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }),
    async stop() {
      await stopAndRemove(proc, dir);
    },
  };
}

export interface SupervisorService {
  /** supervisord config file (pass to `supervisorctl -c`). */
  config: string;
  /** The supervised program's name. */
  program: string;
  /** Port the supervised HTTP service listens on. */
  httpPort: number;
  /** pid of the supervised program right now (from supervisorctl). */
  programPid(): number;
  /** supervisorctl's output for `args` (also when it exits non-zero, as `status` of a stopped program). */
  ctl(...args: string[]): string;
  stop(): Promise<void>;
}

/** supervisord (as the test user) supervising `python3 -m http.server` on a free port. */
export async function startSupervisor(program = 'web'): Promise<SupervisorService> {
  const user = ensureTestUser();
  const dir = tempDir('fb-supervisor-', user);
  const httpPort = await freePort();
  const config = join(dir, 'supervisord.conf');
  writeFileSync(
    config,
    [
      '[unix_http_server]',
      `file=${join(dir, 'supervisor.sock')}`,
      'chmod=0700',
      '[supervisord]',
      'nodaemon=true',
      `logfile=${join(dir, 'supervisord.log')}`,
      `pidfile=${join(dir, 'supervisord.pid')}`,
      `childlogdir=${dir}`,
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '[supervisorctl]',
      `serverurl=unix://${join(dir, 'supervisor.sock')}`,
      `[program:${program}]`,
      `command=/usr/bin/python3 -m http.server ${httpPort} --bind 127.0.0.1`,
      `directory=${dir}`,
      'autostart=true',
      'autorestart=true',
      'startsecs=1',
      'stopasgroup=true',
      'killasgroup=true',
      '',
    ].join('\n'),
  );
  chownSync(config, user.uid, user.gid);
  const opts = { uid: user.uid, gid: user.gid, env: childEnv(user), cwd: dir };
  const proc = spawn('/usr/bin/supervisord', ['-c', config], {
    ...opts,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await readyOrCleanUp(proc, dir, () => waitForPort(httpPort, 20000, proc));
  return {
    config,
    program,
    httpPort,
    programPid() {
      const out = execFileSync('supervisorctl', ['-c', config, 'pid', program], {
        ...opts,
        encoding: 'utf8',
      });
      return Number(out.trim());
    },
    ctl(...args) {
      try {
        return execFileSync('supervisorctl', ['-c', config, ...args], { ...opts, encoding: 'utf8' });
      } catch (e) {
        return String((e as { stdout?: string }).stdout ?? '');
      }
    },
    async stop() {
      // supervisord stops its programs on TERM before exiting.
      await stopProcess(proc, 10000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { freePort, waitForPort };
