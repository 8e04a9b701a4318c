/**
 * Real PostgreSQL 15 and Redis servers for the lab, as supervisord programs (so a runbook's
 * `systemctl restart postgresql` or `docker compose restart redis` restarts the real server).
 * PostgreSQL trusts its local socket (the superuser, and `psql -U qte` inside a compose
 * container) and asks for a password over TCP (guide 003's `psql -U qcat_user -h localhost`).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, type TestUser } from '../../support/services';
import type { Program } from './supervisor';

export interface LabPostgres {
  program: Program;
  port: number;
  socketDir: string;
  /** Runs SQL as the superuser over the socket (once the program runs). */
  psql(sql: string, db?: string): string;
  /** A connected client (closed by the caller). */
  connect(user: string, password: string, database: string): Promise<Client>;
}

export interface PostgresSpec {
  name: string;
  /** role → password; each gets a database of the same name unless `databases` says otherwise. */
  roles: Record<string, string>;
  /** database → owner role. */
  databases: Record<string, string>;
}

const BIN = '/usr/lib/postgresql/15/bin';

export async function labPostgres(root: string, user: TestUser, spec: PostgresSpec): Promise<LabPostgres> {
  const dir = join(root, spec.name);
  mkdirSync(dir, { recursive: true });
  chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const env = { PATH: '/usr/bin:/bin', HOME: user.home, LANG: 'C.UTF-8' };
  const pw = join(dir, 'superuser.pw');
  writeFileSync(pw, 'postgres-lab\n');
  chownSync(pw, user.uid, user.gid);
  execFileSync(
    `${BIN}/initdb`,
    [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      `--pwfile=${pw}`,
      '--no-sync',
    ],
    { uid: user.uid, gid: user.gid, env, stdio: 'pipe' },
  );
  appendFileSync(join(data, 'postgresql.conf'), "\nlisten_addresses = '127.0.0.1'\nfsync = off\n");
  const port = await freePort();
  const program: Program = {
    name: spec.name,
    command: `${BIN}/postgres -D ${data} -k ${dir} -p ${port}`,
    directory: dir,
    startsecs: 2,
    stopsignal: 'INT',
  };
  const psql = (sql: string, db = 'postgres') =>
    execFileSync(
      'psql',
      ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql],
      {
        encoding: 'utf8',
        env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
      },
    );
  return {
    program,
    port,
    socketDir: dir,
    psql,
    async connect(role, password, database) {
      const c = new Client({ host: '127.0.0.1', port, user: role, password, database });
      c.on('error', () => undefined);
      await c.connect();
      return c;
    },
  };
}

/** Creates the spec's roles and databases once the server runs. */
export async function provisionPostgres(pg: LabPostgres, spec: PostgresSpec): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      pg.psql('select 1');
      break;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  for (const [role, password] of Object.entries(spec.roles))
    pg.psql(`create role "${role}" login password '${password.replace(/'/g, "''")}'`);
  for (const [db, owner] of Object.entries(spec.databases))
    pg.psql(`create database "${db}" owner "${owner}"`);
}

export interface LabRedis {
  program: Program;
  port: number;
  cli(...args: string[]): string;
}

/** redis-server without persistence; `password` is guide 003's requirepass. */
export async function labRedis(
  root: string,
  name: string,
  opts: { password?: string; maxmemory?: string; policy?: string } = {},
): Promise<LabRedis> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    "''",
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  if (opts.password) args.push('--requirepass', opts.password);
  if (opts.maxmemory) args.push('--maxmemory', opts.maxmemory);
  if (opts.policy) args.push('--maxmemory-policy', opts.policy);
  return {
    program: { name, command: `/usr/bin/redis-server ${args.join(' ')}`, directory: dir },
    port,
    cli: (...a: string[]) =>
      execFileSync('redis-cli', ['-p', String(port), ...a], {
        encoding: 'utf8',
        env: { ...process.env, ...(opts.password ? { REDISCLI_AUTH: opts.password } : {}) },
      }),
  };
}
