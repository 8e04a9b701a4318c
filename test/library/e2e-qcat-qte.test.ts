/**
 * End to end, the runbooks of guide 003 (QCAT) and guide 004 (QTE) against real PostgreSQL 15 and
 * Redis servers (passwords from secrets, as guide 003 requires), real long-running and idle
 * sessions, a Redis filled past its maxmemory, real pg_dump backups and real backup archives to
 * roll back to; QCAT and the QTE engine are stand-ins, systemd and `docker compose` translate onto
 * the same supervisord. Each incident runs from its realistic alert to its report.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { labPostgres, labRedis, provisionPostgres, type LabPostgres, type LabRedis } from './lab/databases';
import { stepOf, useE2E, type Scenario, type World } from './lab/e2e';
import type { LabContext } from './lab/lab';
import { httpService, qcatCommand, qcatService, standins, type Standins } from './lab/programs';

const DB_PW = 'qcat-db-secret-4711';
const REDIS_PW = 'qcat-redis-secret-0815';
const QCAT_PG = { name: 'qcat-pg', roles: { qcat_user: DB_PW }, databases: { qcat: 'qcat_user' } };
const QCAT_PG_DOWN = { ...QCAT_PG, name: 'qcat-pg-down' };
const QTE_PG = { name: 'compose-postgres', roles: { qte: 'qte-pw' }, databases: { qte: 'qte' } };

const pg: Record<string, LabPostgres> = {};
const redis: Record<string, LabRedis> = {};
const ports: Record<string, number> = {};
const paths: Record<string, string> = {};
const sessions: Client[] = [];

async function qcatWorld(
  ctx: LabContext,
  s: Standins,
): Promise<{ programs: World['programs']; site: World['site'] }> {
  qcatCommand(ctx);
  const dir = ctx.dir('qcat');
  paths.config = join(dir, 'config.yaml');
  writeFileSync(
    paths.config,
    'database:\n  max_open_conns: 100\n  max_idle_conns: 20\nalerting:\n  channels: [email]\n',
  );
  paths.log = join(dir, 'qcat.log');
  writeFileSync(
    paths.log,
    '2026-11-21 10:00 INFO performance baseline cpu=0.3\n2026-11-21 10:01 ERROR alert send failed: smtp timeout\n',
  );
  paths.pgLog = join(dir, 'postgresql.log');
  writeFileSync(paths.pgLog, 'LOG:  duration: 6012.331 ms  statement: select * from orders\n');
  pg.qcat = await labPostgres(ctx.root, ctx.user, QCAT_PG);
  pg.down = await labPostgres(ctx.root, ctx.user, QCAT_PG_DOWN);
  redis.qcat = await labRedis(ctx.root, 'qcat-redis', { password: REDIS_PW });
  redis.down = await labRedis(ctx.root, 'qcat-redis-down', { password: REDIS_PW });
  redis.mem = await labRedis(ctx.root, 'qcat-redis-mem', {
    password: REDIS_PW,
    maxmemory: '2mb',
    policy: 'noeviction',
  });
  const q = await qcatService(ctx, s, 'qcat');
  const qb = await qcatService(ctx, s, 'qcat-b');
  const qc = await qcatService(ctx, s, 'qcat-c');
  const qa = await qcatService(ctx, s, 'qcat-app');
  const prom = await httpService(ctx, s, 'prometheus');
  const graf = await httpService(ctx, s, 'grafana-server');
  Object.assign(ports, {
    qcat: q.port,
    qcatB: qb.port,
    qcatC: qc.port,
    qcatApp: qa.port,
    grafana: graf.port,
  });
  paths.backups = ctx.dir('backups');
  paths.script = join(dir, 'backup.sh');
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const app = { health_url: url(qa.port) };
  const db = { db_host: '127.0.0.1', db_port: pg.qcat.port };
  return {
    programs: [
      pg.qcat.program,
      pg.down.program,
      redis.qcat.program,
      redis.down.program,
      redis.mem.program,
    ].concat([q, qb, qc, qa, prom, graf].map((x) => x.program)),
    site: {
      'qcat-service-down': {
        unit: 'qcat',
        health_url: url(q.port),
        config: paths.config,
        db_unit: 'qcat-pg',
        redis_unit: 'qcat-redis',
        ...db,
        redis_port: redis.qcat.port,
      },
      'qcat-postgres-down': {
        db_unit: 'qcat-pg-down',
        unit: 'qcat-b',
        health_url: url(qb.port),
        db_host: '127.0.0.1',
        db_port: pg.down.port,
      },
      'qcat-oom': { unit: 'qcat-c', health_url: url(qc.port) },
      'qcat-api-slow': { ...app, ...db, pg_log: paths.pgLog },
      'qcat-db-pool-exhausted': { ...db, config: paths.config, slow_query: '2s', long_query: '3s' },
      'qcat-redis-failure': {
        redis_unit: 'qcat-redis-down',
        unit: 'qcat-app',
        ...app,
        redis_port: redis.down.port,
        redis_log: paths.log,
      },
      'qcat-redis-memory': { redis_port: redis.mem.port, unit: 'qcat-app', ...app },
      'qcat-monitoring-down': {
        prometheus_url: url(prom.port),
        grafana_url: url(graf.port),
        prometheus_config: paths.config,
      },
      'qcat-backup-failure': { backup_dir: paths.backups, script: paths.script },
      'qcat-performance-metrics': { api_url: url(qa.port), log: paths.log },
      'qcat-alerting-broken': {
        unit: 'qcat-app',
        api_url: url(qa.port),
        config: paths.config,
        log: paths.log,
      },
    },
  };
}

function backupArchives(qte: string): void {
  const backups = join(qte, 'backups');
  mkdirSync(backups);
  for (const [version, age] of [
    ['1.3.9', 90_000],
    ['1.4.1', 7200],
    ['1.4.2', 3600],
  ] as const) {
    const src = join(qte, `src-${version}`);
    mkdirSync(src);
    writeFileSync(join(src, 'VERSION'), `${version}\n`);
    const file = join(backups, `qte_${version}.tar.gz`);
    execFileSync('tar', ['-czf', file, '-C', src, '.']);
    const t = Date.now() / 1000 - age;
    utimesSync(file, t, t);
  }
}

async function qteWorld(
  ctx: LabContext,
  s: Standins,
): Promise<{ programs: World['programs']; site: World['site'] }> {
  const qte = ctx.dir('qte');
  paths.qte = qte;
  mkdirSync(join(qte, 'deployment', 'docker'), { recursive: true });
  mkdirSync(join(qte, 'deployment', 'scripts'), { recursive: true });
  mkdirSync(join(qte, 'release'));
  mkdirSync(join(qte, 'logs'));
  writeFileSync(
    join(qte, 'deployment', 'docker', 'docker-compose.yml'),
    'services: {qte-engine: {}, postgres: {}, redis: {}, nginx: {}}\n',
  );
  writeFileSync(join(qte, 'release', 'VERSION'), '1.5.0-broken\n');
  writeFileSync(join(qte, 'logs', 'qte.log'), '2026-11-21 10:00 WARN SLOW request /orders 2300 ms\n');
  backupArchives(qte);
  // The deployment's own script (guide 004: deploy.sh deploy full / rollback <archive>).
  writeFileSync(
    join(qte, 'deployment', 'scripts', 'deploy.sh'),
    `cd "$(dirname "$0")/../.." || exit 1
case "$1" in
  deploy) echo "deploy: building the images failed (registry unreachable)" >&2; exit 1;;
  rollback) [ -f "$2" ] || { echo "no archive $2" >&2; exit 2; }
    rm -rf release.new && mkdir release.new && tar -xzf "$2" -C release.new && rm -rf release && mv release.new release || exit 3
    docker compose -f deployment/docker/docker-compose.yml restart qte-engine || exit 4
    echo "rolled back to $(cat release/VERSION)";;
esac
`,
  );
  pg.qte = await labPostgres(ctx.root, ctx.user, QTE_PG);
  redis.qte = await labRedis(ctx.root, 'compose-redis', { maxmemory: '2mb', policy: 'noeviction' });
  const engine = await httpService(ctx, s, 'compose-qte-engine', {
    healthFile: join(qte, 'release', 'VERSION'),
  });
  ports.engine = engine.port;
  const dir = { qte_dir: qte };
  return {
    programs: [
      pg.qte.program,
      redis.qte.program,
      engine.program,
      { name: 'docker', command: '/bin/sleep 86400', directory: qte },
    ],
    site: {
      'qte-system-down': {
        ...dir,
        health_url: `http://127.0.0.1:${engine.port}/health`,
        backups: join(qte, 'backups'),
      },
      'qte-db-connections': { ...dir, slow_query: '2s', long_query: '3s', idle_session: '3s' },
      'qte-redis': { ...dir, redis_port: redis.qte.port },
    },
  };
}

async function world(ctx: LabContext): Promise<World> {
  const s = standins(ctx);
  const qcat = await qcatWorld(ctx, s);
  const qte = await qteWorld(ctx, s);
  return {
    programs: [...qcat.programs, ...qte.programs],
    composeEnv: { postgres: { PGHOST: pg.qte!.socketDir, PGPORT: String(pg.qte!.port) } },
    site: { ...qcat.site, ...qte.site },
    secrets: { qcat_db_password: DB_PW, qcat_redis_password: REDIS_PW },
    async ready(lab) {
      await provisionPostgres(pg.qcat!, QCAT_PG);
      await provisionPostgres(pg.down!, QCAT_PG_DOWN);
      await provisionPostgres(pg.qte!, QTE_PG);
      writeFileSync(
        paths.script!,
        `#!/bin/sh\nset -e\nPGPASSWORD='${DB_PW}' pg_dump -h 127.0.0.1 -p ${pg.qcat!.port} -U qcat_user qcat | gzip > '${paths.backups}/qcat_db_'"$(date +%Y%m%d_%H%M%S)".sql.gz\n`,
      );
      chmodSync(paths.script!, 0o644);
      const old = join(paths.backups!, 'qcat_db_20261020_020000.sql.gz');
      execFileSync('sh', ['-c', `echo 'select 1;' | gzip > '${old}'`]);
      utimesSync(old, Date.now() / 1000 - 40 * 86400, Date.now() / 1000 - 40 * 86400);
      execFileSync('chown', [
        '-R',
        `${lab.user.uid}:${lab.user.gid}`,
        paths.backups!,
        paths.script!,
        paths.qte!,
      ]);
      fillRedis(redis.mem!);
      fillRedis(redis.qte!);
    },
  };
}

/** Writes 10 KB values until Redis refuses with OOM: past its maxmemory, as the alert says. */
function fillRedis(r: LabRedis): void {
  for (let i = 0; i < 1000; i++) if (r.cli('set', `cache:${i}`, 'x'.repeat(10_000)).startsWith('OOM')) return;
  throw new Error('redis never reached its maxmemory');
}

/** Sessions the runbooks should terminate: queries older than the threshold, and idle ones. */
async function longSessions(
  p: LabPostgres,
  role: string,
  password: string,
  db: string,
  idleTx: boolean,
): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const c = await p.connect(role, password, db);
    sessions.push(c);
    void c.query('select pg_sleep(300)').catch(() => undefined);
  }
  const idle = await p.connect(role, password, db);
  sessions.push(idle);
  if (idleTx) await idle.query('begin; select 1');
  else await idle.query('select 1');
  await new Promise((r) => setTimeout(r, 4500));
}

const scenarios: Scenario[] = [
  {
    runbook: 'qcat-service-down',
    fixture: 'blackbox-qcat-health',
    arrange: (l) => void l.supervisor.ctl('stop', 'qcat'),
  },
  {
    runbook: 'qcat-postgres-down',
    fixture: 'postgres-down-qcat',
    arrange: (l) => void l.supervisor.ctl('stop', 'qcat-pg-down'),
  },
  {
    runbook: 'qcat-oom',
    fixture: 'node-oom-kill-qcat',
    arrange: (l) => void (ports.qcatCPid = l.supervisor.pid('qcat-c')),
  },
  { runbook: 'qcat-api-slow', fixture: 'qcat-api-slow', closes: true },
  {
    runbook: 'qcat-db-pool-exhausted',
    fixture: 'postgres-too-many-connections-qcat',
    arrange: () => longSessions(pg.qcat!, 'qcat_user', DB_PW, 'qcat', true),
  },
  {
    runbook: 'qcat-redis-failure',
    fixture: 'redis-down-qcat',
    arrange: (l) => void l.supervisor.ctl('stop', 'qcat-redis-down'),
  },
  { runbook: 'qcat-redis-memory', fixture: 'redis-out-of-maxmemory-qcat' },
  {
    runbook: 'qcat-monitoring-down',
    fixture: 'target-missing-grafana',
    arrange: (l) => void l.supervisor.ctl('stop', 'grafana-server'),
  },
  { runbook: 'qcat-backup-failure', fixture: 'qcat-backup-failed' },
  { runbook: 'qcat-performance-metrics', fixture: 'qcat-performance-baseline', resolvesAlert: true },
  { runbook: 'qcat-alerting-broken', fixture: 'qcat-alert-channels', resolvesAlert: true },
  { runbook: 'qte-system-down', fixture: 'blackbox-qte-health' },
  {
    runbook: 'qte-db-connections',
    fixture: 'postgres-max-connections-qte',
    resolvesAlert: true,
    arrange: () => longSessions(pg.qte!, 'qte', 'qte-pw', 'qte', false),
  },
  { runbook: 'qte-redis', fixture: 'redis-out-of-memory-qte', resolvesAlert: true },
];

const e2e = useE2E(world, scenarios);
afterAll(async () => {
  await Promise.all(sessions.map((c) => c.end().catch(() => undefined)));
});

const status = (name: string) => e2e.lab().supervisor.ctl('status', name);
const get = async (port: number, path: string) =>
  (await fetch(`http://127.0.0.1:${port}${path}`)).json() as Promise<Record<string, number>>;

describe('guide 003: QCAT', () => {
  it('restarts QCAT (P0) after checking its config and its healthy dependencies, which it leaves alone', () => {
    const o = e2e.outcome('qcat-service-down');
    expect(o.state).toMatchObject({ status: 'resolved', severity: 'P0' });
    expect(o.approved).toEqual(['restart_qcat']);
    expect(stepOf(o, 'config_valid').hosts[0]?.stdout).toContain('configuration valid');
    expect(stepOf(o, 'redis').hosts[0]?.stdout).toContain('PONG');
    expect(stepOf(o, 'restart_postgres').status).toBe('skipped');
    expect(status('qcat')).toContain('RUNNING');
    expect(o.report).toContain('restart_qcat');
  });

  it('restarts the stopped PostgreSQL, proves qcat_user can log in with its password again, then restarts QCAT', () => {
    const o = e2e.outcome('qcat-postgres-down');
    expect(o.state).toMatchObject({ status: 'resolved', severity: 'P0' });
    expect(stepOf(o, 'login').status).toBe('failed');
    expect(o.approved).toEqual(['restart_postgres', 'restart_qcat']);
    expect(pg.down!.psql('select 1').trim()).toBe('1');
  });

  it('restarts QCAT on the host that had an OOM kill', () => {
    const o = e2e.outcome('qcat-oom');
    expect(o.state.status).toBe('resolved');
    expect(e2e.lab().supervisor.pid('qcat-c')).not.toBe(ports.qcatCPid);
  });

  it("terminates the queries older than the threshold in QCAT's database, as qcat_user, and pages on the guide's 1 h", () => {
    const o = e2e.outcome('qcat-db-pool-exhausted');
    expect(o.state.status).toBe('resolved');
    expect(stepOf(o, 'over_10_minutes').hosts[0]?.values.count).toBeGreaterThanOrEqual(3);
    expect(stepOf(o, 'terminate_long_queries').hosts[0]?.values.terminated).toBeGreaterThanOrEqual(3);
    expect(o.state.oncall?.intervalMs).toBe(3_600_000);
    expect(o.state.oncall?.levels[0]?.people).toEqual(['dave', 'alice']);
    expect(o.report).not.toContain(DB_PW);
  });

  it('restarts the Redis that does not answer, and not QCAT, which stayed healthy', () => {
    const o = e2e.outcome('qcat-redis-failure');
    expect(o.state.status).toBe('resolved');
    expect(o.approved).toEqual(['restart_redis']);
    expect(stepOf(o, 'restart_qcat').status).toBe('skipped');
    expect(redis.down!.cli('ping').trim()).toBe('PONG');
  });

  it("flushes the Redis filled past maxmemory and sets the guide's 2gb and allkeys-lru", () => {
    const o = e2e.outcome('qcat-redis-memory');
    expect(o.state.status).toBe('resolved');
    expect(o.approved).toEqual(['flush_cache', 'set_maxmemory', 'set_policy']);
    expect(redis.mem!.cli('dbsize').trim()).toBe('0');
    expect(redis.mem!.cli('config', 'get', 'maxmemory')).toContain('2147483648');
    expect(redis.mem!.cli('config', 'get', 'maxmemory-policy')).toContain('allkeys-lru');
    expect(o.report).not.toContain(REDIS_PW);
  });

  it('restarts Grafana, which is down, and leaves Prometheus running', () => {
    const o = e2e.outcome('qcat-monitoring-down');
    expect(o.state.status).toBe('resolved');
    expect(o.approved).toEqual(['restart_grafana']);
    expect(status('grafana-server')).toContain('RUNNING');
  });

  it('makes the backup script executable, runs it, and proves the new pg_dump archive is fresh and intact', () => {
    const o = e2e.outcome('qcat-backup-failure');
    expect(o.state.status).toBe('resolved');
    expect(o.approved).toEqual(['make_executable', 'run_backup']);
    const newest = readdirSync(paths.backups!).sort().pop()!;
    expect(Date.now() - statSync(join(paths.backups!, newest)).mtimeMs).toBeLessThan(600_000);
    expect(
      execFileSync(
        'sh',
        ['-c', `gunzip -c '${join(paths.backups!, newest)}' | grep -c 'PostgreSQL database dump'`],
        { encoding: 'utf8' },
      ).trim(),
    ).not.toBe('0');
  });

  it('resets performance monitoring and sends the test alert through the QCAT API', async () => {
    expect(e2e.outcome('qcat-performance-metrics').state.status).toBe('resolved');
    expect(e2e.outcome('qcat-alerting-broken').state.status).toBe('resolved');
    const state = await get(ports.qcatApp!, '/lab/state');
    expect(state).toMatchObject({ resets: 1, test_alerts: 1 });
    expect(stepOf(e2e.outcome('qcat-alerting-broken'), 'restart_qcat').status).toBe('skipped');
  });

  it('reads the slow statements and hands over to a person', () => {
    const o = e2e.outcome('qcat-api-slow');
    expect(o.state.status).toBe('resolved');
    expect(stepOf(o, 'slow_log').hosts[0]?.stdout).toContain('duration:');
  });
});

describe('guide 004: QTE', () => {
  it('rolls the engine back from the newest backup after the redeploy fails (P0, guide 004 table)', async () => {
    const o = e2e.outcome('qte-system-down');
    expect(o.state).toMatchObject({ status: 'resolved', severity: 'P0' });
    expect(o.approved).toEqual(['prune', 'redeploy', 'rollback']);
    expect(stepOf(o, 'redeploy').status).toBe('failed');
    expect(stepOf(o, 'rollback').hosts[0]?.values.backup).toBe(
      join(paths.qte!, 'backups', 'qte_1.4.2.tar.gz'),
    );
    expect(readFileSync(join(paths.qte!, 'release', 'VERSION'), 'utf8').trim()).toBe('1.4.2');
    expect((await fetch(`http://127.0.0.1:${ports.engine}/health`)).status).toBe(200);
    expect(o.state.oncall?.levels[0]?.people).toEqual(['alice', 'carol']);
  });

  it('terminates old queries and idle sessions inside the postgres compose container', () => {
    const o = e2e.outcome('qte-db-connections');
    expect(o.state.status).toBe('resolved');
    expect(stepOf(o, 'ready').hosts[0]?.stdout).toContain('accepting connections');
    expect(stepOf(o, 'terminate').hosts[0]?.values.terminated).toBeGreaterThanOrEqual(3);
  });

  it('switches the redis container to allkeys-lru, then deletes the keys of the Redis still full', () => {
    const o = e2e.outcome('qte-redis');
    expect(o.state.status).toBe('resolved');
    expect(o.approved).toEqual(['set_policy', 'delete_keys']);
    expect(redis.qte!.cli('config', 'get', 'maxmemory-policy')).toContain('allkeys-lru');
    expect(redis.qte!.cli('dbsize').trim()).toBe('0');
  });
});
