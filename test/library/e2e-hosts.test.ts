/**
 * End to end, the runbooks for stock alerts on machines no guide names: disks full of stale logs
 * (with a real logrotate), a failed systemd unit, a clock, a probed endpoint, and PostgreSQL and
 * Redis servers no job label attributes to QCAT or QTE — real servers, real files, real sudo
 * (psql as the `postgres` OS user), each from its alert to its report.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { labPostgres, labRedis, provisionPostgres, type LabPostgres, type LabRedis } from './lab/databases';
import { stepOf, useE2E, type Scenario, type World } from './lab/e2e';
import type { LabContext } from './lab/lab';
import { httpService, standins } from './lab/programs';

const dirs: Record<string, string> = {};
const pg: Record<string, LabPostgres> = {};
const redis: Record<string, LabRedis> = {};
let endpointPort = 0;
const sessions: Client[] = [];
const TEN_DAYS_AGO = Date.now() / 1000 - 10 * 86400;

function logs(dir: string, files: Record<string, boolean>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, old] of Object.entries(files)) {
    writeFileSync(join(dir, name), `${name}\n`.repeat(100));
    if (old) utimesSync(join(dir, name), TEN_DAYS_AGO, TEN_DAYS_AGO);
  }
}

async function world(ctx: LabContext): Promise<World> {
  const s = standins(ctx);
  dirs.ws = join(ctx.root, 'app', 'logs');
  dirs.qcat = join(ctx.root, 'var', 'log', 'qcat');
  dirs.qte = join(ctx.root, 'opt', 'qte', 'logs');
  logs(dirs.ws, { 'server-1.log': true, 'server-2.log': true, 'server.log': false, 'server-0.log.gz': true });
  logs(dirs.qcat, { 'qcat.log': false, 'qcat.log.1': true, 'qcat.log.2.gz': true, 'qcat.log.3': false });
  logs(dirs.qte, { 'qte-20261101.log': true, 'qte.log': false });
  dirs.logrotate = join(ctx.root, 'qcat.logrotate');
  writeFileSync(
    dirs.logrotate,
    `${dirs.qcat}/qcat.log {\n    rotate 30\n    daily\n    missingok\n    notifempty\n}\n`,
  );
  pg.busy = await labPostgres(ctx.root, ctx.user, {
    name: 'pg-generic',
    roles: {},
    databases: { app: 'postgres' },
  });
  pg.down = await labPostgres(ctx.root, ctx.user, { name: 'pg-down-generic', roles: {}, databases: {} });
  redis.down = await labRedis(ctx.root, 'redis-generic');
  redis.mem = await labRedis(ctx.root, 'redis-mem-generic', { maxmemory: '64mb', policy: 'noeviction' });
  const endpoint = await httpService(ctx, s, 'endpoint');
  endpointPort = endpoint.port;
  return {
    programs: [
      pg.busy.program,
      pg.down.program,
      redis.down.program,
      redis.mem.program,
      endpoint.program,
    ].concat([{ name: 'nginx', command: '/bin/sleep 86400', directory: ctx.root }]),
    site: {
      'disk-full-logs': {
        websocket_logs: dirs.ws,
        qcat_logs: dirs.qcat,
        qcat_logrotate: dirs.logrotate,
        qte_logs: dirs.qte,
      },
      'postgres-connections': {
        socket_dir: pg.busy.socketDir,
        db_port: pg.busy.port,
        slow_query: '2s',
        long_query: '3s',
      },
      'postgres-down': { unit: 'pg-down-generic', socket_dir: pg.down.socketDir, db_port: pg.down.port },
      'redis-down': { unit: 'redis-generic', redis_port: redis.down.port },
      'redis-memory': { redis_port: redis.mem.port },
    },
    async ready() {
      // logrotate only reads a configuration owned by root.
      execFileSync('chown', ['root:root', dirs.logrotate!]);
      await provisionPostgres(pg.busy!, { name: 'pg-generic', roles: {}, databases: { app: 'postgres' } });
    },
  };
}

async function longQueries(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const c = await pg.busy!.connect('postgres', 'postgres-lab', 'app');
    sessions.push(c);
    void c.query('select pg_sleep(300)').catch(() => undefined);
  }
  await new Promise((r) => setTimeout(r, 4500));
}

const generic = { job: 'postgres', instance: 'db1:9187' };
const scenarios: Scenario[] = [
  {
    runbook: 'disk-full-logs',
    fixture: 'node-host-out-of-disk-space-qcat',
    labels: { mountpoint: '/tmp' },
    resolvesAlert: true,
  },
  {
    runbook: 'service-down',
    fixture: 'node-systemd-failed-nginx',
    arrange: (l) => void l.supervisor.ctl('stop', 'nginx'),
  },
  { runbook: 'host-clock-skew', fixture: 'node-clock-skew', closes: true },
  {
    runbook: 'endpoint-down',
    fixture: 'blackbox-websocket-health',
    labels: { job: 'blackbox', instance: 'http://lab-endpoint:PORT/health' },
    closes: true,
  },
  {
    runbook: 'postgres-connections',
    fixture: 'postgres-too-many-connections-qcat',
    labels: generic,
    resolvesAlert: true,
    arrange: longQueries,
  },
  {
    runbook: 'postgres-down',
    fixture: 'postgres-down-other',
    arrange: (l) => void l.supervisor.ctl('stop', 'pg-down-generic'),
  },
  {
    runbook: 'redis-down',
    fixture: 'redis-down-qcat',
    labels: { job: 'redis_exporter_targets', instance: 'redis://redis1:6379' },
    arrange: (l) => void l.supervisor.ctl('stop', 'redis-generic'),
  },
  {
    runbook: 'redis-memory',
    fixture: 'redis-out-of-maxmemory-qcat',
    labels: { job: 'redis_exporter_targets', instance: 'redis://redis1:6379' },
    resolvesAlert: true,
  },
];
// The endpoint's port is known only once the lab is built.
const endpointScenario = scenarios.find((x) => x.runbook === 'endpoint-down')!;
endpointScenario.arrange = () => {
  endpointScenario.labels = { job: 'blackbox', instance: `http://lab-endpoint:${endpointPort}/health` };
};

const e2e = useE2E(world, scenarios);
afterAll(async () => {
  await Promise.all(sessions.map((c) => c.end().catch(() => undefined)));
});

describe('stock alerts on machines no guide names', () => {
  it("deletes the three guides' stale logs, rotates QCAT's log with logrotate, and keeps everything recent", () => {
    const o = e2e.outcome('disk-full-logs');
    expect(o.state.status).toBe('resolved');
    expect(o.approved).toEqual([
      'clean_websocket_logs',
      'clean_qcat_logs',
      'rotate_qcat_logs',
      'clean_qte_logs',
    ]);
    expect(readdirSync(dirs.ws!).sort()).toEqual(['server-0.log.gz', 'server.log']);
    // The two stale rotated logs are gone; logrotate moved qcat.log to qcat.log.1 (and the recent
    // qcat.log.3 up to qcat.log.4).
    expect(readdirSync(dirs.qcat!).sort()).toEqual(['qcat.log.1', 'qcat.log.4']);
    expect(readFileSync(join(dirs.qcat!, 'qcat.log.1'), 'utf8')).toContain('qcat.log\n');
    expect(readFileSync(join(dirs.qcat!, 'qcat.log.4'), 'utf8')).toContain('qcat.log.3\n');
    expect(readdirSync(dirs.qte!)).toEqual(['qte.log']);
    expect(stepOf(o, 'clean_qcat_logs').hosts[0]?.values.files).toBe(2);
    expect(stepOf(o, 'space_after').status).toBe('succeeded');
  });

  it('restarts the failed unit named by the alert and verifies it is active', () => {
    const o = e2e.outcome('service-down');
    expect(o.state).toMatchObject({ status: 'resolved', severity: 'P0' });
    expect(stepOf(o, 'journal').status).toBe('succeeded');
    expect(e2e.lab().supervisor.ctl('status', 'nginx')).toContain('RUNNING');
  });

  it('terminates the long queries of an unattributed PostgreSQL, running psql as the postgres OS user', () => {
    const o = e2e.outcome('postgres-connections');
    expect(o.state.status).toBe('resolved');
    expect(stepOf(o, 'terminate_long_queries').hosts[0]?.values.terminated).toBeGreaterThanOrEqual(2);
    expect(stepOf(o, 'per_database').hosts[0]?.stdout).toContain('app|active|');
  });

  it('restarts the stopped PostgreSQL and Redis servers', () => {
    expect(e2e.outcome('postgres-down').state.status).toBe('resolved');
    expect(pg.down!.psql('select 1').trim()).toBe('1');
    expect(e2e.outcome('redis-down').state.status).toBe('resolved');
    expect(redis.down!.cli('ping').trim()).toBe('PONG');
  });

  it('switches a full Redis of unknown role to allkeys-lru without deleting its data', () => {
    const o = e2e.outcome('redis-memory');
    expect(o.state.status).toBe('resolved');
    expect(redis.mem!.cli('config', 'get', 'maxmemory-policy')).toContain('allkeys-lru');
  });

  it('shows what listens on a probed endpoint and hands it to a person; shows the clock state', () => {
    const ep = e2e.outcome('endpoint-down');
    expect(ep.state.status).toBe('resolved');
    expect(stepOf(ep, 'listening').hosts[0]?.stdout).toContain(`:${endpointPort}`);
    expect(stepOf(ep, 'local_request').hosts[0]?.stdout).toContain('status=200');
    expect(e2e.outcome('host-clock-skew').state.status).toBe('resolved');
    // The API's state names the report by URL; the report itself is served rendered.
    expect(e2e.outcome('host-clock-skew').report).toContain(e2e.outcome('host-clock-skew').state.id);
  });
});
