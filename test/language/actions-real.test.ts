/**
 * Built-ins against the real thing on this machine, through /bin/sh: a partial failure is a loud
 * failure (logs.cleanup, redis replies), a password-protected Redis filled past its maxmemory is
 * flushed with the password from a secret, rollback takes the newest readable backup, and
 * postgres.query cannot write.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractAll } from '../../services/transport/output';
import {
  ensureTestUser,
  freePort,
  startPostgres,
  stopProcess,
  waitForPort,
  type PostgresService,
} from '../support/services';
import { rendered, secretEnv } from './support/render';

/** Runs a rendered command with /bin/sh, optionally as another user. */
function sh(
  cmd: string,
  env: Record<string, string> = {},
  as?: { uid: number; gid: number },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', cmd], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/tmp', LANG: 'C.UTF-8', ...env },
      ...(as ?? {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fb-actions-real-'));
  chmodSync(dir, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEN_DAYS_AGO = Date.now() / 1000 - 10 * 86400;
function oldFile(path: string, bytes: number): void {
  writeFileSync(path, 'x'.repeat(bytes));
  utimesSync(path, TEN_DAYS_AGO, TEN_DAYS_AGO);
}

describe('logs.cleanup', () => {
  it('fails when a file cannot be removed, and still reports what it did free', async () => {
    const user = ensureTestUser();
    const logs = join(dir, 'logs');
    mkdirSync(join(logs, 'root-owned'), { recursive: true });
    chownSync(logs, user.uid, user.gid);
    oldFile(join(logs, 'app.log'), 100);
    chownSync(join(logs, 'app.log'), user.uid, user.gid);
    // A directory the service user cannot write: its old log cannot be deleted by that user.
    oldFile(join(logs, 'root-owned', 'kernel.log'), 50);
    const { cmd } = rendered('logs.cleanup', { path: logs, older_than_days: 7, pattern: '*.log' });
    const r = await sh(cmd, {}, { uid: user.uid, gid: user.gid });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Permission denied');
    expect(r.stderr).toContain('could not be examined or removed');
    expect(r.stdout).toBe('files=1\nfreed_bytes=100\n');
    expect(existsSync(join(logs, 'app.log'))).toBe(false);
    expect(existsSync(join(logs, 'root-owned', 'kernel.log'))).toBe(true);
  });

  it('runs under sudo when it cleans under /var/log, as seed 003 does', () => {
    expect(rendered('logs.cleanup', { path: '/var/log/qcat', pattern: '*.log.*' }).built.sudo).toBe(true);
    expect(rendered('logs.cleanup', { path: '/app/logs' }).built.sudo).toBeUndefined();
  });
});

describe('disk.check', () => {
  it('fails when df cannot read the path instead of reporting an empty use%', async () => {
    const r = await sh(rendered('disk.check', { path: join(dir, 'missing') }).cmd);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('df failed');
  });
});

describe('Redis with a password, filled past its maxmemory (seed 003: requirepass, maxmemory 2gb)', () => {
  let redis: ChildProcess;
  let port: number;
  const PASSWORD = 'guide-003-password';
  const cli = (...args: string[]) =>
    execFileSync('redis-cli', ['-p', String(port), ...args], {
      encoding: 'utf8',
      env: { ...process.env, REDISCLI_AUTH: PASSWORD },
    });
  beforeAll(async () => {
    port = await freePort();
    redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitForPort(port, 15000, redis);
    execFileSync('redis-cli', ['-p', String(port), 'config', 'set', 'requirepass', PASSWORD]);
    cli('config', 'set', 'maxmemory', '2mb');
    cli('config', 'set', 'maxmemory-policy', 'noeviction');
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 400; i++) {
      const r = cli('set', `cache:${i}`, big);
      if (r.startsWith('OOM')) break;
    }
    cli('set', 'session:keep', 'v');
  });
  afterAll(async () => {
    if (redis) await stopProcess(redis);
  });

  const conn = () => ({ host: '127.0.0.1', port });

  it('is over its maxmemory: writes are refused with OOM', () => {
    expect(cli('set', 'one-more', 'x'.repeat(10_000))).toMatch(/^OOM /);
  });

  it('without the password, redis.cli fails loudly on NOAUTH instead of reporting a reply', async () => {
    const r = await sh(rendered('redis.cli', { ...conn(), command: ['ping'] }).cmd);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('NOAUTH');
  });

  it('an error reply fails redis.cli (redis-cli itself exits 0 on one)', async () => {
    const { cmd } = rendered('redis.cli', {
      ...conn(),
      command: ['config', 'get', 'maxmemory'],
      password_secret: 'pw',
    });
    const ok = await sh(cmd, secretEnv('pw', PASSWORD));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('"2097152"');
    const { cmd: bad } = rendered('redis.cli', {
      ...conn(),
      command: ['memory', 'usage'],
      password_secret: 'pw',
    });
    const r = await sh(bad, secretEnv('pw', PASSWORD));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('(error) ERR');
  });

  it('redis.flush with the password from a secret deletes the cache keys under OOM and reports memory freed', async () => {
    const { built, cmd } = rendered('redis.flush', { ...conn(), pattern: 'cache:*', password_secret: 'pw' });
    const r = await sh(cmd, secretEnv('pw', PASSWORD));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const values = extractAll(built.extract, { stdout: r.stdout, stderr: r.stderr });
    expect(values.deleted).toBeGreaterThan(100);
    expect(values.used_memory_after as number).toBeLessThan(values.used_memory_before as number);
    expect(cli('dbsize').trim()).toBe('1');
    expect(cli('set', 'fits-again', 'x').trim()).toBe('OK');
  });

  it('redis.config_set accepts a memory size Redis reports back in bytes (seed 003: maxmemory 2gb)', async () => {
    const { cmd } = rendered('redis.config_set', {
      ...conn(),
      parameter: 'maxmemory',
      value: '3mb',
      password_secret: 'pw',
    });
    const r = await sh(cmd, secretEnv('pw', PASSWORD));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('before=2097152\nafter=3145728\n');
  });

  it('redis.config_set changes the eviction policy for real (seed 004: allkeys-lru)', async () => {
    const { cmd } = rendered('redis.config_set', {
      ...conn(),
      parameter: 'maxmemory-policy',
      value: 'allkeys-lru',
      password_secret: 'pw',
    });
    const r = await sh(cmd, secretEnv('pw', PASSWORD));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('before=noeviction\nafter=allkeys-lru\n');
    expect(cli('config', 'get', 'maxmemory-policy')).toContain('allkeys-lru');
  });
});

describe('deploy.rollback from the latest backup (seed 004)', () => {
  let backups: string;
  beforeAll(() => {
    backups = join(dir, 'backups');
    mkdirSync(backups);
    const make = (version: string, ageS: number) => {
      const src = join(dir, `src-${version}`);
      mkdirSync(src);
      writeFileSync(join(src, 'VERSION'), version);
      const file = join(backups, `qte_${version}.tar.gz`);
      execFileSync('tar', ['-czf', file, '-C', src, '.']);
      const t = Date.now() / 1000 - ageS;
      utimesSync(file, t, t);
    };
    make('1.4.1', 7200);
    make('1.4.2', 3600);
    make('1.3.9', 100_000);
  });

  it("hands the newest archive to the deployment's own rollback command, in its working directory", async () => {
    const work = join(dir, 'qte');
    mkdirSync(join(work, 'deployment', 'scripts'), { recursive: true });
    writeFileSync(
      join(work, 'deployment', 'scripts', 'deploy.sh'),
      'printf "%s|%s|%s\\n" "$1" "$2" "$(pwd)" > rollback.args\n',
    );
    const { built, cmd } = rendered('deploy.rollback', {
      backup_dir: backups,
      command: 'bash deployment/scripts/deploy.sh rollback',
      workdir: work,
    });
    const r = await sh(cmd);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(work, 'rollback.args'), 'utf8').trim()).toBe(
      `rollback|${join(backups, 'qte_1.4.2.tar.gz')}|${work}`,
    );
    expect(extractAll(built.extract, { stdout: r.stdout, stderr: '' }).rolled_back_to).toBe(
      'qte_1.4.2.tar.gz',
    );
  });

  it('unpacks the newest archive as a release and switches the current link to it', async () => {
    const releases = join(dir, 'releases');
    mkdirSync(releases);
    const link = join(dir, 'current');
    const { cmd } = rendered('deploy.rollback', {
      backup_dir: backups,
      releases_dir: releases,
      current_link: link,
    });
    const r = await sh(cmd);
    expect(r.status).toBe(0);
    expect(readlinkSync(link)).toBe(join(releases, 'qte_1.4.2'));
    expect(readFileSync(join(link, 'VERSION'), 'utf8')).toBe('1.4.2');
  });

  it('refuses a newest archive that is truncated, and runs nothing', async () => {
    const bad = join(dir, 'bad-backups');
    mkdirSync(bad);
    execFileSync('cp', [join(backups, 'qte_1.4.1.tar.gz'), join(bad, 'qte_1.4.1.tar.gz')]);
    writeFileSync(
      join(bad, 'qte_1.5.0.tar.gz'),
      readFileSync(join(backups, 'qte_1.4.2.tar.gz')).subarray(0, 40),
    );
    const newer = Date.now() / 1000 + 60;
    utimesSync(join(bad, 'qte_1.5.0.tar.gz'), newer, newer);
    const marker = join(dir, 'ran');
    const r = await sh(rendered('deploy.rollback', { backup_dir: bad, command: `touch ${marker}` }).cmd);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('is not a readable archive');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('postgres.query', () => {
  let pg: PostgresService;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('reads rows, passing values as psql variables rather than pasting them into SQL', async () => {
    const { cmd } = rendered(
      'postgres.query',
      {
        sql: "select datname, :'probe' from pg_database where datname = :'db'",
        params: { db: '{{ labels.datname }}', probe: "x'); drop table t; --" },
        database: 'postgres',
        host: '127.0.0.1',
        port: pg.port,
        user: 'postgres',
      },
      { datname: 'postgres' },
    );
    const r = await sh(cmd);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe("postgres|x'); drop table t; --\n");
  });

  it('cannot write: the session is read-only', async () => {
    const { cmd } = rendered('postgres.query', {
      sql: 'create table firebreak_should_not_exist (x int)',
      database: 'postgres',
      host: '127.0.0.1',
      port: pg.port,
      user: 'postgres',
    });
    const r = await sh(cmd);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('read-only transaction');
    expect(pg.psql("select count(*) from pg_class where relname = 'firebreak_should_not_exist'").trim()).toBe(
      '0',
    );
  });
});
