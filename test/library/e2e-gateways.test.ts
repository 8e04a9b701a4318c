/**
 * End to end, the runbooks of guide 000 (the webctp gateway) and guide 002 (the WebSocket data
 * service): each fires its realistic alert at the real engine, runs over real SSH with sudo
 * against stand-ins that carry the guides' command lines, endpoints and log lines (the vendors'
 * programs cannot be installed here), a real Redis, real processes and descriptors, and is
 * checked for its effect on the service and for its report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from '../support/services';
import { labRedis, type LabRedis } from './lab/databases';
import { expectReportRecords, stepOf, useE2E, type Scenario, type World } from './lab/e2e';
import type { LabContext } from './lab/lab';
import { standins, webctpInstall, websocketService } from './lab/programs';

const lab: Record<string, { dir: string; port: number; admin?: number; md?: number; td?: number }> = {};
let wsRedis: LabRedis;
let stale: ChildProcess | undefined;

const WEBCTP_LOG = [
  'INFO | Application startup complete',
  'ERROR | CTP 前置连接失败: 网络连接失败',
  'ERROR | 用户登录失败: ErrorID=3, ErrorMsg=CTP:不合法的登录',
  ...Array.from({ length: 5 }, (_, i) => `WARNING | 心跳超时 client=10.0.0.${i + 2}`),
  'INFO | ===== 性能指标报告 =====',
  'INFO | 订单延迟 P95: 250 ms',
  'WARNING | ⚠️ 订单延迟 P95 250ms 超过 200ms',
  'INFO | 系统资源: CPU 85% 内存 60%',
];

const WS_LOG = [
  'INFO | publish ok',
  'WARN | client 10.0.0.9 disconnect: heartbeat timeout',
  'ERROR | push failed: source closed',
];

async function world(ctx: LabContext): Promise<World> {
  const s = standins(ctx);
  const gw = await webctpInstall(ctx, s, 'webctp', { mdProgram: 'webctp-md', tdProgram: 'webctp-td' });
  const closed = await freePort();
  writeFileSync(
    join(gw.dir, 'config', 'config_md.yaml'),
    `Port: ${gw.mdPort}\nMdFrontAddress: tcp://127.0.0.1:${closed}\nBrokerID: "9999"\nAppID: simnow_client_test\nHeartbeatInterval: 30.0\nHeartbeatTimeout: 60.0\n`,
  );
  appendFileSync(join(gw.dir, 'config', 'config_td.yaml'), `TdFrontAddress: tcp://127.0.0.1:${gw.tdPort}\n`);
  writeFileSync(
    join(gw.dir, 'logs', 'webctp.log'),
    WEBCTP_LOG.map((l) => `2026-11-21 10:00:00 | ${l}`).join('\n') + '\n',
  );
  lab.webctp = { dir: gw.dir, port: 0, md: gw.mdPort, td: gw.tdPort };
  const gw2 = await webctpInstall(ctx, s, 'webctp2', {
    mdProgram: 'webctp2-md',
    tdProgram: 'webctp2-td',
    mdAutostart: false,
  });
  lab.webctp2 = { dir: gw2.dir, port: 0, md: gw2.mdPort, td: gw2.tdPort };

  const services = {
    'websocket-server': await websocketService(ctx, s, 'websocket-server'),
    'ws-diag': await websocketService(ctx, s, 'ws-diag'),
    'ws-limit': await websocketService(ctx, s, 'ws-limit', ['--seed', join(ctx.root, 'connections.json')]),
    'ws-mem': await websocketService(ctx, s, 'ws-mem'),
    'ws-fds': await websocketService(
      ctx,
      s,
      'ws-fds',
      ['--leak-fds', '55', '--leak-marker', join(ctx.root, 'leak-now')],
      (cmd) => `/bin/sh -c "ulimit -n 64; exec ${cmd}"`,
    ),
  };
  writeFileSync(
    join(ctx.root, 'connections.json'),
    JSON.stringify([
      { id: 'a', ip: '10.0.0.2', idle_time: 12 },
      { id: 'b', ip: '10.0.0.3', idle_time: 400 },
      { id: 'c', ip: '10.0.0.3', idle_time: 901 },
      { id: 'd', ip: '10.0.0.4', idle_time: 3600 },
    ]),
  );
  for (const [name, svc] of Object.entries(services)) {
    lab[name] = { dir: svc.dir, port: svc.wsPort, admin: svc.adminPort };
    writeFileSync(join(svc.dir, 'logs', 'websocket-server.log'), WS_LOG.join('\n') + '\n');
  }
  wsRedis = await labRedis(ctx.root, 'ws-redis');
  const ws = (name: string) => ({
    admin_url: `http://127.0.0.1:${lab[name]!.admin}`,
    ws_port: lab[name]!.port,
  });
  return {
    programs: [
      ...gw.programs,
      ...gw2.programs,
      ...Object.values(services).map((x) => x.program),
      wsRedis.program,
    ],
    site: {
      'webctp-service-down': { app_dir: gw.dir, md_port: gw.mdPort, td_port: gw.tdPort },
      'webctp-port-conflict': {
        app_dir: gw2.dir,
        md_port: gw2.mdPort,
        td_port: gw2.tdPort,
        md_program: 'webctp2-md',
        td_program: 'webctp2-td',
      },
      'webctp-ctp-connection': { app_dir: gw.dir },
      'webctp-heartbeat': { app_dir: gw.dir },
      'webctp-performance': { app_dir: gw.dir },
      'websocket-service-down': { ...ws('websocket-server'), app_dir: lab['websocket-server']!.dir },
      'websocket-connection-drops': { admin_url: ws('ws-diag').admin_url, app_dir: lab['ws-diag']!.dir },
      'websocket-connection-limit': ws('ws-limit'),
      'websocket-latency': { unit: 'ws-diag', admin_url: ws('ws-diag').admin_url },
      'websocket-memory-high': { unit: 'ws-mem', admin_url: ws('ws-mem').admin_url },
      'websocket-push-failures': { admin_url: ws('ws-diag').admin_url, app_dir: lab['ws-diag']!.dir },
      'websocket-stale-cache': { redis_port: wsRedis.port },
      'websocket-open-files': { unit: 'ws-fds', ws_port: lab['ws-fds']!.port },
      'websocket-network': ws('ws-diag'),
      'websocket-diagnostic-report': { ...ws('ws-diag'), unit: 'ws-diag', app_dir: lab['ws-diag']!.dir },
    },
    async ready(l) {
      await l.supervisor.waitRunning('webctp-md');
      await waitForPort(lab['ws-diag']!.admin!, 20_000);
      for (let i = 0; i < 20; i++) wsRedis.cli('set', `quote:${i}`, 'stale');
    },
  };
}

async function adminGet(name: string, path: string): Promise<unknown> {
  return (await fetch(`http://127.0.0.1:${lab[name]!.admin}${path}`)).json();
}

let tdPidBefore = 0;
const scenarios: Scenario[] = [
  {
    runbook: 'webctp-service-down',
    fixture: 'blackbox-webctp-md',
    arrange(l) {
      tdPidBefore = l.supervisor.pid('webctp-td');
      l.supervisor.ctl('stop', 'webctp-md');
    },
  },
  {
    runbook: 'webctp-port-conflict',
    fixture: 'webctp-port-conflict',
    async arrange(l) {
      // A gateway left over from an earlier start holds the MD port; the supervised app cannot bind.
      stale = spawn('/usr/bin/python3', ['main.py', '--config=./config/config_md.yaml', '--app_type=md'], {
        cwd: lab.webctp2!.dir,
        uid: l.user.uid,
        gid: l.user.gid,
        stdio: 'ignore',
        detached: true,
      });
      await waitForPort(lab.webctp2!.md!, 20_000);
      l.supervisor.ctl('start', 'webctp2-md');
    },
  },
  { runbook: 'webctp-ctp-connection', fixture: 'webctp-login-failed', closes: true },
  { runbook: 'webctp-heartbeat', fixture: 'webctp-heartbeat-timeouts', closes: true },
  { runbook: 'webctp-performance', fixture: 'webctp-latency-high', closes: true },
  {
    runbook: 'websocket-service-down',
    fixture: 'blackbox-websocket-port',
    arrange: (l) => void l.supervisor.ctl('stop', 'websocket-server'),
  },
  { runbook: 'websocket-connection-drops', fixture: 'websocket-disconnects-high', closes: true },
  { runbook: 'websocket-connection-limit', fixture: 'websocket-max-connections' },
  { runbook: 'websocket-latency', fixture: 'websocket-latency-high', closes: true },
  { runbook: 'websocket-memory-high', fixture: 'websocket-memory-high', resolvesAlert: true },
  { runbook: 'websocket-push-failures', fixture: 'websocket-push-failures', closes: true },
  { runbook: 'websocket-stale-cache', fixture: 'websocket-cache-stale', resolvesAlert: true },
  {
    runbook: 'websocket-open-files',
    fixture: 'websocket-too-many-open-files',
    async arrange(l) {
      writeFileSync(join(l.root, 'leak-now'), '');
      l.supervisor.ctl('restart', 'ws-fds');
      await l.supervisor.waitRunning('ws-fds');
    },
  },
  { runbook: 'websocket-network', fixture: 'blackbox-websocket-lb', closes: true },
  { runbook: 'websocket-diagnostic-report', fixture: 'blackbox-websocket-http-failure', closes: true },
];

const e2e = useE2E(world, scenarios);
afterAll(() => {
  // Only while it lives: the runbook killed it long ago, and pid_max is 32768 here, so its pid (and
  // process group id) may belong to someone else's process group by now.
  if (stale?.pid && stale.exitCode === null && stale.signalCode === null) process.kill(-stale.pid, 'SIGKILL');
});

function expectReport(runbook: string, ...texts: string[]): void {
  const o = e2e.outcome(runbook);
  expect(o.report).toContain(runbook);
  for (const t of texts) expect(o.report).toContain(t);
}

describe('guide 000: the webctp gateway', () => {
  it('restarts only the MD app whose port is gone, and leaves the healthy TD app alone', () => {
    const o = e2e.outcome('webctp-service-down');
    expect(o.state.status).toBe('resolved');
    expect(o.approved).toEqual(['restart_md']);
    expect(stepOf(o, 'restart_td').status).toBe('skipped');
    expect(stepOf(o, 'md_port').status).toBe('failed');
    expect(stepOf(o, 'td_port').status).toBe('succeeded');
    expect(e2e.lab().supervisor.ctl('status', 'webctp-md')).toContain('RUNNING');
    expect(e2e.lab().supervisor.pid('webctp-td')).toBe(tdPidBefore);
    expectReport('webctp-service-down', 'restart_md');
  });

  it('stops the stale gateway holding the MD port and starts the supervised app in its place', async () => {
    const o = e2e.outcome('webctp-port-conflict');
    expect(o.state.status).toBe('resolved');
    expect(o.approved).toEqual(['stop_stale_md', 'start_md']);
    expect(stepOf(o, 'bind_errors').hosts[0]?.stdout).toMatch(/Errno 98|address already in use/i);
    expect(stale?.exitCode !== null || stale?.signalCode !== null).toBe(true);
    expect(e2e.lab().supervisor.ctl('status', 'webctp2-md')).toContain('RUNNING');
    expectReport('webctp-port-conflict', 'stop_stale_md');
  });

  it("explains the CTP error codes with the guide's table and tests each front address", () => {
    const o = e2e.outcome('webctp-ctp-connection');
    expect(o.state.status).toBe('resolved');
    expect(stepOf(o, 'error_codes').hosts[0]?.stdout).toContain('ErrorID=3: 不合法的登录');
    const fronts = stepOf(o, 'fronts').hosts[0]?.stdout ?? '';
    expect(fronts).toMatch(/:\d+ unreachable/);
    expect(fronts).toMatch(/:\d+ reachable/);
    expectReport('webctp-ctp-connection', 'ErrorID=3');
  });

  it('counts the heartbeat timeouts in the log and shows the heartbeat settings', () => {
    const o = e2e.outcome('webctp-heartbeat');
    expect(stepOf(o, 'timeouts').hosts[0]?.values.timeouts).toBe(5);
    expect(stepOf(o, 'heartbeat_config').hosts[0]?.stdout).toContain('HeartbeatTimeout: 60.0');
    expectReport('webctp-heartbeat');
  });

  it("collects the gateway's performance report and latency warnings", () => {
    const o = e2e.outcome('webctp-performance');
    expect(stepOf(o, 'report').hosts[0]?.stdout).toContain('性能指标报告');
    expect(stepOf(o, 'warnings').hosts[0]?.stdout).toContain('⚠️');
    expectReport('webctp-performance');
  });
});

describe('guide 002: the WebSocket data service', () => {
  it('starts the stopped service again (systemctl restart websocket-server) and verifies port and health', () => {
    const o = e2e.outcome('websocket-service-down');
    expect(o.state.status).toBe('resolved');
    expect(o.approved).toEqual(['start']);
    expect(e2e.lab().supervisor.ctl('status', 'websocket-server')).toContain('RUNNING');
    expectReport('websocket-service-down', 'start');
  });

  it('drops the zombie connections (idle over 300 s) and verifies none is left', async () => {
    const o = e2e.outcome('websocket-connection-limit');
    expect(o.state.status).toBe('resolved');
    expect(stepOf(o, 'zombies').hosts[0]?.values.count).toBe(3);
    const left = (await adminGet('ws-limit', '/admin/connections')) as { idle_time: number }[];
    expect(left.map((c) => c.idle_time)).toEqual([12]);
    expectReport('websocket-connection-limit', 'cleanup_zombies');
  });

  it('forces a garbage collection and ends when the memory alert resolves', async () => {
    const o = e2e.outcome('websocket-memory-high');
    expect(o.state.status).toBe('resolved');
    expect(stepOf(o, 'force_gc').status).toBe('succeeded');
    expect(((await adminGet('ws-mem', '/lab/state')) as { gc_calls: number }).gc_calls).toBe(1);
  });

  it('clears the stale cache (FLUSHDB) in the real Redis', () => {
    const o = e2e.outcome('websocket-stale-cache');
    expect(o.state.status).toBe('resolved');
    expect(wsRedis.cli('dbsize').trim()).toBe('0');
    expect(stepOf(o, 'flush_cache').hosts[0]?.stdout).toContain('deleted=all');
  });

  it('restarts the service that uses over 90% of its descriptor limit, releasing them', () => {
    const o = e2e.outcome('websocket-open-files');
    expect(o.state.status).toBe('resolved');
    const before = stepOf(o, 'fd_usage').hosts[0]!.values as { open: number; limit: number };
    expect(before.limit).toBe(64);
    expect(before.open).toBeGreaterThan(0.9 * 64);
    expect(stepOf(o, 'restart').status).toBe('succeeded');
    expectReport('websocket-open-files', 'restart');
  });

  it.each([
    ['websocket-connection-drops', 'disconnects', 'disconnect'],
    ['websocket-latency', 'queue', 'size'],
    ['websocket-push-failures', 'pushes', 'push failed'],
    ['websocket-network', 'backend_health', 'status=200'],
    ['websocket-diagnostic-report', 'health', '健康检查: 通过'],
  ])(
    '%s runs its diagnostics (%s shows %s) and hands over to the person who closes it',
    (runbook, id, text) => {
      const o = e2e.outcome(runbook);
      expect(o.state.status).toBe('resolved');
      expect(stepOf(o, id).hosts[0]?.stdout).toContain(text);
      expectReport(runbook);
    },
  );
});

describe("the incidents' reports", () => {
  it.each(scenarios.map((s) => s.runbook))(
    '%s: the worker wrote a report naming its runbook, outcome, steps and approvals',
    (runbook) => expectReportRecords(e2e.outcome(runbook)),
  );
});
