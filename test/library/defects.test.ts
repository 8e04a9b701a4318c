/**
 * Every defect issue #13 found in the old library, each with the test that would have caught it:
 * the runbook's compiled command run through the real /bin/sh with recording stand-ins for the
 * tools (test/language/support/toolbox.ts), or its conditions evaluated against the step results
 * that exposed the defect. The same steps run for real in the library's e2e tests.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateSuccess, secretEnvName } from '../../language/expressions';
import { extractAll } from '../../services/transport/output';
import { makeToolbox, type Toolbox } from '../language/support/toolbox';
import { loadOnCall, resolveOnCall } from '../../services/oncall';
import { command, fixture, outcome, plan, remediation, ROOT, step, wouldRun } from './support/library';

let box: Toolbox;
beforeEach(() => {
  box = makeToolbox();
});
afterEach(() => box.remove());

describe('marketprism-memory-leak', () => {
  it('hands docker stats its Go template as ONE argument (it was split into three words, so the diagnostic failed)', async () => {
    const p = plan('marketprism-memory-leak');
    const r = await box.sh(command(p, 'stats', fixture('cadvisor-memory-marketprism-collector')));
    expect(r.status).toBe(0);
    const docker = box.calls().filter((c) => c.tool === 'docker');
    expect(docker.map((c) => c.args)).toEqual([
      ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.MemPerc}}'],
    ]);
  });
});

describe('webctp-service-down', () => {
  it('finds the gateway started as the guide starts it (`python main.py --config=… --app_type=md`), which `python.*webctp` never matched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-webctp-'));
    writeFileSync(join(dir, 'main.py'), 'import time\ntime.sleep(60)\n');
    const gw = spawn('python3', ['main.py', '--config=./config/config_md.yaml', '--app_type=md'], {
      cwd: dir,
      stdio: 'ignore',
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const p = plan('webctp-service-down');
      const md = step(p, 'md_process');
      const r = await box.sh(command(p, 'md_process', fixture('blackbox-webctp-md')));
      const values = extractAll(md.extract, r);
      expect(values.count).toBe(1);
      expect(
        evaluateSuccess(md.success, { exitCode: r.status, stdout: r.stdout, stderr: r.stderr, values }),
      ).toBe(true);
      const td = await box.sh(command(p, 'td_process', fixture('blackbox-webctp-md')));
      expect(extractAll(step(p, 'td_process').extract, td).count).toBe(0);
    } finally {
      gw.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('proposes no restart of a healthy gateway, and restarts only the app that is down (the OR restarted everything)', () => {
    const p = plan('webctp-service-down');
    const a = fixture('blackbox-webctp-md');
    const healthy = {
      md_process: outcome(true),
      td_process: outcome(true),
      md_port: outcome(true),
      td_port: outcome(true),
    };
    expect(wouldRun(p, 'restart_md', a, healthy)).toBe(false);
    expect(wouldRun(p, 'restart_td', a, healthy)).toBe(false);
    const mdDown = { ...healthy, md_port: outcome(false) };
    expect(wouldRun(p, 'restart_md', a, mdDown)).toBe(true);
    expect(wouldRun(p, 'restart_td', a, mdDown)).toBe(false);
  });

  it('checks the configuration files the guide names (config/config_md.yaml, config_td.yaml), not another path', () => {
    const p = plan('webctp-service-down');
    const cmd = command(p, 'config_syntax', fixture('blackbox-webctp-md'));
    expect(cmd).toContain('config/config_md.yaml config/config_td.yaml');
    expect(cmd).not.toContain('/opt/webctp/config.yaml');
  });
});

describe('websocket-open-files', () => {
  it("reads the guide's unit websocket-server (websocket-data gave a null limit and skipped the step), and verifies the restart", async () => {
    const p = plan('websocket-open-files');
    expect(p.vars.unit).toBe('websocket-server');
    const fake = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      // systemctl answers MainPID for the unit the command asks about, as systemd does.
      writeFileSync(
        join(box.bin, 'systemctl'),
        `#!/bin/sh\n{ printf '%s\\037' systemctl "$@"; printf '\\036'; } >>"$FAKE_DIR/calls"\necho ${fake.pid}\n`,
      );
      const r = await box.sh(command(p, 'fd_usage', fixture('websocket-too-many-open-files')));
      expect(box.calls().find((c) => c.tool === 'systemctl')?.args).toEqual([
        'show',
        '-p',
        'MainPID',
        '--value',
        'websocket-server',
      ]);
      const values = extractAll(step(p, 'fd_usage').extract, r);
      expect(typeof values.limit).toBe('number');
      expect(values.limit as number).toBeGreaterThan(0);
      expect(typeof values.open).toBe('number');
    } finally {
      fake.kill('SIGKILL');
    }
    expect(remediation(p, 'restart').verify?.steps.length).toBeGreaterThan(0);
  });
});

describe('qcat-redis-failure and qcat-redis-memory', () => {
  it('PING carries the password guide 003 requires (REDISCLI_AUTH from a secret), so a healthy Redis is not proposed for restart', async () => {
    const p = plan('qcat-redis-failure');
    const r = await box.sh(command(p, 'ping', fixture('redis-down-qcat')), {
      [secretEnvName('qcat_redis_password')]: 'guide-003',
    });
    expect(r.stdout).toContain('PONG');
    const cli = box.calls().filter((c) => c.tool === 'redis-cli');
    expect(cli.length).toBeGreaterThan(0);
    for (const c of cli) expect(c.password).toBe('guide-003');
    expect(wouldRun(p, 'restart_redis', fixture('redis-down-qcat'), { ping: outcome(true) })).toBe(false);
  });

  it("uses the guide's 2gb limit (not 1 GiB) and restarts QCAT only when it is unhealthy (it was unconditional)", () => {
    const mem = plan('qcat-redis-memory');
    expect(mem.vars.maxmemory).toBe('2gb');
    expect(mem.vars.maxmemory_bytes).toBe(2147483648);
    const a = fixture('redis-out-of-maxmemory-qcat');
    expect(wouldRun(mem, 'restart_qcat', a, { qcat_health: outcome(true) })).toBe(false);
    expect(wouldRun(mem, 'restart_qcat', a, { qcat_health: outcome(false) })).toBe(true);
    const down = plan('qcat-redis-failure');
    expect(wouldRun(down, 'restart_qcat', fixture('redis-down-qcat'), { qcat_health: outcome(true) })).toBe(
      false,
    );
  });
});

describe('qte-system-down (was qte-bad-deploy-rollback)', () => {
  it("rolls back from the newest backup through the guide's deploy.sh, not a symlink to a hard-coded 1.4.2", async () => {
    const p = plan('qte-system-down');
    const dir = mkdtempSync(join(tmpdir(), 'fb-qte-'));
    try {
      mkdirSync(join(dir, 'backups'));
      const older = join(dir, 'backups', 'qte_20261120.tar.gz');
      const newest = join(dir, 'backups', 'qte_20261121.tar.gz');
      await box.sh(`tar -czf '${older}' -T /dev/null && sleep 1 && tar -czf '${newest}' -T /dev/null`);
      mkdirSync(join(dir, 'deployment', 'scripts'), { recursive: true });
      writeFileSync(join(dir, 'deployment', 'scripts', 'deploy.sh'), 'echo "deploy.sh $*" > rollback.log\n');
      const vars = { ...p.vars, backups: join(dir, 'backups'), qte_dir: dir };
      const r = await box.sh(command({ ...p, vars }, 'rollback', fixture('blackbox-qte-health')));
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`backup=${newest}`);
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(join(dir, 'rollback.log'), 'utf8').trim()).toBe(`deploy.sh rollback ${newest}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(JSON.stringify(p)).not.toContain('1.4.2');
  });

  it("restarts the guide's compose services (qte-engine, postgres, redis, nginx), never one called qte", () => {
    const names = [
      'qte-system-down',
      'qte-db-connections',
      'qte-redis',
      'qte-performance',
      'qte-network',
    ].flatMap((id) =>
      plan(id).remediations.flatMap((r) =>
        r.run.kind === 'command' && r.run.action === 'service.restart' ? [JSON.stringify(r.run.command)] : [],
      ),
    );
    expect(names.some((n) => n.includes("'qte-engine'"))).toBe(true);
    expect(names.some((n) => n.includes("'qte'"))).toBe(false);
  });
});

describe('qte-db-connections and qte-redis', () => {
  it('run psql inside the postgres compose container, as guide 004 does (they ran it on the host)', async () => {
    const p = {
      ...plan('qte-db-connections'),
      vars: { ...plan('qte-db-connections').vars, qte_dir: box.dir },
    };
    await box.sh(command(p, 'active', fixture('postgres-max-connections-qte')), { FAKE_COMPOSE_V2: '1' });
    const docker = box.calls().find((c) => c.tool === 'docker' && c.args.includes('exec'))!;
    expect(docker.args.slice(0, 5)).toEqual([
      'compose',
      '--file=deployment/docker/docker-compose.yml',
      'exec',
      '-T',
      'postgres',
    ]);
    expect(box.calls().find((c) => c.tool === 'psql')!.args).toContain('--username=qte');
  });

  it('run redis-cli inside the redis compose container, through v1 docker-compose too', async () => {
    const p = { ...plan('qte-redis'), vars: { ...plan('qte-redis').vars, qte_dir: box.dir } };
    await box.sh(command(p, 'memory', fixture('redis-out-of-memory-qte')));
    const v1 = box.calls().find((c) => c.tool === 'docker-compose' && c.args.includes('exec'))!;
    expect(v1.args.slice(0, 4)).toEqual([
      '--file=deployment/docker/docker-compose.yml',
      'exec',
      '-T',
      'redis',
    ]);
  });
});

describe('qcat-db-pool-exhausted', () => {
  it("counts QCAT's own connections (datname = 'qcat'), as qcat_user with the password from a secret, not by peer authentication", async () => {
    const p = plan('qcat-db-pool-exhausted');
    await box.sh(command(p, 'connections', fixture('postgres-too-many-connections-qcat')), {
      [secretEnvName('qcat_db_password')]: 'qcat-pw',
    });
    const psql = box.calls().find((c) => c.tool === 'psql')!;
    expect(psql.args).toEqual(
      expect.arrayContaining(['--host=localhost', '--username=qcat_user', '--dbname=qcat']),
    );
    expect(psql.password).toBe('qcat-pw');
    expect(psql.stdin).toContain("where datname = 'qcat'");
  });

  it('takes its escalation interval from the on-call config (guide 003: P1 within 1 h), not a 10-minute override', () => {
    const p = plan('qcat-db-pool-exhausted');
    expect(p.escalation.intervalMs.P1).toBe(15 * 60_000);
    expect(p.escalation.chain).toBe('qcat-database');
    const config = loadOnCall(join(ROOT, 'oncall.yaml'));
    const snapshot = resolveOnCall(config, {
      runbookId: p.runbook.id,
      service: p.runbook.service,
      severity: 'P1',
      chain: 'qcat-database',
      levels: p.escalation.levels,
      notify: p.notify,
      owners: p.runbook.owners,
    });
    expect(snapshot.intervalMs).toBe(60 * 60_000);
  });
});

describe('marketprism-staged-start (was marketprism-compose-restart)', () => {
  it("brings the services up in the guide's order with `up -d`, 10 s apart, as one step behind one approval", async () => {
    const p = plan('marketprism-staged-start');
    const staged = p.remediations.filter(
      (r) =>
        r.run.kind === 'command' &&
        r.run.action === 'service.restart' &&
        JSON.stringify(r.run.command).includes('dc up -d'),
    );
    expect(staged.map((r) => r.id)).toEqual(['staged_start']);
    expect(staged[0]!.approval).toBe('required');
    const here = { ...p, vars: { ...p.vars, project_dir: box.dir } };
    await box.sh(command(here, 'staged_start', fixture('blackbox-marketprism-collector')), {
      FAKE_COMPOSE_V2: '1',
    });
    const steps = box
      .calls()
      .filter((c) => c.tool === 'sleep' || (c.tool === 'docker' && c.args[1] === 'up'))
      .map((c) => [c.tool, ...c.args].join(' '));
    expect(steps).toEqual([
      'docker compose up -d nats',
      'sleep 10',
      'docker compose up -d clickhouse',
      'sleep 10',
      'docker compose up -d python-collector',
    ]);
  });
});

describe('marketprism-no-data', () => {
  it('decides and restarts on the same host: the one that alerted (it read the first host and restarted all)', () => {
    const p = plan('marketprism-no-data');
    const targets = Object.values(p.targets);
    expect(targets).toHaveLength(1);
    expect(targets[0]!.group).toBeUndefined();
    expect(JSON.stringify(targets[0]!.hosts)).toContain('hostOf(labels.instance)');
  });
});

describe('disk-full-logs (was qcat-disk-logs)', () => {
  it("cleans QCAT's logs only when they are on the host, with sudo as the guide's `sudo find`", () => {
    const p = plan('disk-full-logs');
    const clean = remediation(p, 'clean_qcat_logs');
    expect(clean.when).toBeDefined();
    expect(clean.run.kind === 'command' && clean.run.sudo).toBe(true);
    const a = fixture('node-host-out-of-disk-space-qcat');
    expect(wouldRun(p, 'clean_qcat_logs', a, { log_dirs: outcome(true, {}, 'absent /var/log/qcat\n') })).toBe(
      false,
    );
    expect(
      wouldRun(p, 'clean_qcat_logs', a, { log_dirs: outcome(true, {}, 'present /var/log/qcat 3G\n') }),
    ).toBe(true);
  });
});

describe('service-down', () => {
  it("is P0 as guide 003's section says, and reads the journal with sudo", () => {
    const p = plan('service-down');
    expect(p.runbook.severity).toBe('P0');
    expect(p.trigger.severityFrom?.map).toMatchObject({ critical: 'P0', warning: 'P0' });
    expect(step(p, 'journal').sudo).toBe(true);
  });

  it('never hands a unit name from a label to systemctl or journalctl as an option (issue #15, item 10)', async () => {
    const p = plan('service-down');
    const a = fixture('node-systemd-failed-nginx', { name: '--help' });
    for (const id of ['status', 'journal', 'restart']) await box.sh(command(p, id, a));
    for (const c of box.calls().filter((x) => x.tool === 'systemctl' || x.tool === 'journalctl')) {
      const end = c.args.indexOf('--');
      expect((end < 0 ? c.args : c.args.slice(0, end)).includes('--help')).toBe(false);
    }
    const restart = await box.sh(command(p, 'restart', a));
    expect(restart.status).toBe(2);
    expect(restart.stderr).toContain('refusing invalid service name');
  });
});
