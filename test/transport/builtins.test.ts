/**
 * Built-in remediations (actions/) built into CommandSteps, rendered with the expression layer
 * and run over SSH against real services: PostgreSQL 15, Redis, supervisord, a release directory,
 * and hostile alert labels.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readlinkSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { createCommandActivities } from '../../activities/commands';
import type { RunCommandInput } from '../../activities/types';
import { getAction } from '../../language/actions';
import { evaluateSuccess, parseTemplate, renderTemplate } from '../../language/expressions';
import type { HostRecord } from '../../contracts/incident';
import type { CommandStep, ExpressionContext, TargetSpec } from '../../contracts/plan';
import { validateRunbook } from '../../frontend/validator';
import { renderTarget } from '../../language/plan/targets';
import { createSshExecutor } from '../../services/transport/client';
import type { SshExecutor } from '../../services/transport/client';
import { startPostgres, startRedis, startSshd, startSupervisor, TEST_USER } from '../support/services';
import type { PostgresService, RedisService, SshdFleet, SupervisorService } from '../support/services';
import { input, sshConfig, target } from './helpers';

let fleet: SshdFleet;
let executor: SshExecutor;
let acts: ReturnType<typeof createCommandActivities>;

beforeAll(async () => {
  fleet = await startSshd(1);
  const ssh = sshConfig({ knownHostsFile: fleet.knownHostsFile, privateKeyFile: fleet.clientKeyFile });
  executor = createSshExecutor({ ssh });
  acts = createCommandActivities({
    config: { home: fleet.dir, ssh, inventory: {}, secrets: {} },
    transports: { ssh: executor },
  });
});
afterAll(async () => {
  await executor?.close();
  await fleet?.stop();
});

function ctx(labels: Record<string, string> = {}): ExpressionContext {
  return {
    labels,
    annotations: {},
    alert: { status: 'firing', fingerprint: 'f1', startsAt: '2026-01-01T00:00:00Z', generatorURL: '' },
    vars: {},
    incident: { id: 'inc-1', severity: 'P1', runbook: 'rb', service: 'svc' },
    steps: {},
  };
}

/** Builds a built-in action's step, renders it against `labels`, runs it over SSH on the test sshd. */
async function runAction(
  name: string,
  params: Record<string, unknown>,
  labels: Record<string, string> = {},
): Promise<{ host: HostRecord; success: boolean }> {
  const action = getAction(name);
  if (!action) throw new Error(`no action ${name}`);
  const built = action.build(params);
  const req: RunCommandInput = input(renderTemplate(built.command, ctx(labels)), {
    target: target({ transport: 'ssh', hosts: [`127.0.0.1:${fleet.instances[0]!.port}`], user: TEST_USER }),
    extract: built.extract,
    secrets: built.secrets ?? [],
    sudo: false,
    timeoutMs: built.timeoutMs ?? 30000,
  });
  const r = await acts.runCommand(req);
  const host = r.hosts[0]!;
  const success = evaluateSuccess(built.success ?? 'exitCode == 0', {
    exitCode: host.exitCode,
    stdout: host.stdout,
    stderr: host.stderr,
    values: host.values,
  });
  return { host, success };
}

/** Renders a compiled CommandStep like the workflow does and runs it through the activity. */
async function runStep(
  step: CommandStep,
  tgt: TargetSpec,
  labels: Record<string, string>,
): Promise<{ host: HostRecord; success: boolean }> {
  const c = ctx(labels);
  const req: RunCommandInput = {
    incidentId: 'inc-1',
    stepId: step.id,
    target: renderTarget(tgt, c),
    command: renderTemplate(step.command, c),
    secrets: step.secrets,
    sudo: step.sudo,
    ...(step.cwd ? { cwd: renderTemplate(step.cwd, c) } : {}),
    env: Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, renderTemplate(v, c)])),
    timeoutMs: step.timeoutMs,
    outputCapBytes: step.outputCapBytes,
    extract: step.extract,
  };
  const host = (await acts.runCommand(req)).hosts[0]!;
  const success = evaluateSuccess(step.success, {
    exitCode: host.exitCode,
    stdout: host.stdout,
    stderr: host.stderr,
    values: host.values,
  });
  return { host, success };
}

describe('postgres.terminate_long_queries', () => {
  let pg: PostgresService;
  const clients: Client[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await pg?.stop();
  });

  async function sleeper(tag: string): Promise<{ done: Promise<unknown>; pid: number }> {
    const c = new Client({ host: '127.0.0.1', port: pg.port, user: 'postgres', database: 'postgres' });
    clients.push(c);
    c.on('error', () => undefined);
    await c.connect();
    const pid = Number((await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid);
    const done = c.query(`select pg_sleep(60) /* ${tag} */`).then(
      () => 'finished',
      (e: Error) => e,
    );
    return { done, pid };
  }

  /** The runbook as an operator would write it; the test compiles it and runs its steps. */
  const runbook = (sshPort: number) => `apiVersion: firebreak/v1
kind: Runbook
metadata: { id: t-pg, title: Slow queries, service: postgres, severity: P1, owners: [dba] }
trigger:
  match: { alertname: PgSlowQueries, instance: { exists: true } }
targets:
  db: { hosts: ["{{ hostOf(labels.instance) }}"], user: ${TEST_USER}, port: ${sshPort} }
remediations:
  - id: terminate
    title: Terminate queries older than 3 s
    action: postgres.terminate_long_queries
    with: { older_than: 3s, host: 127.0.0.1, port: "{{ labels.pgport }}", user: postgres }
    approval: auto
    allow_auto_destructive: true
    verify:
      run: >-
        psql --no-psqlrc -At -h 127.0.0.1 -p {{ labels.pgport }} -U postgres -d postgres -c
        "select count(*) from pg_stat_activity where state = 'active' and backend_type = 'client backend'
        and pid <> pg_backend_pid() and query_start < now() - interval '3 seconds'"
      extract: { old: { regex: '^(\\d+)$', type: number } }
      success: exitCode == 0 && values.old == 0
escalation:
  levels: [[dba]]
`;

  test('the compiled step terminates a query older than the threshold, leaves a young one alone, and verify passes', async () => {
    const compiled = validateRunbook(runbook(fleet.instances[0]!.port), 'pg.yaml');
    expect(compiled.diagnostics).toEqual([]);
    const plan = compiled.plan!;
    const rem = plan.remediations[0]!;
    const step = rem.run as CommandStep;
    expect(step.action).toBe('postgres.terminate_long_queries');
    const verifyStep = rem.verify!.steps[0]!;
    // As postgres_exporter labels it: the exporter's host:port, whose host is the database machine.
    const labels = { instance: '127.0.0.1:9187', pgport: String(pg.port) };

    const old = await sleeper('old');
    await new Promise((r) => setTimeout(r, 3500));
    const young = await sleeper('young');
    const { host, success } = await runStep(step, plan.targets[step.target]!, labels);
    expect(host.stderr).toBe('');
    expect(success).toBe(true);
    expect(host.values.terminated).toBe(1);
    expect(host.stdout).toContain(`"pid" : ${old.pid}`);
    const oldResult = await old.done;
    expect(oldResult).toBeInstanceOf(Error);
    expect(String((oldResult as Error).message)).toMatch(/terminat/);
    const alive = pg.psql(
      `select count(*) from pg_stat_activity where pid = ${young.pid} and state = 'active'`,
    );
    expect(alive.trim()).toBe('1');
    const verify = await runStep(verifyStep, plan.targets[verifyStep.target]!, labels);
    expect(verify.host.values.old).toBe(0);
    expect(verify.success).toBe(true);
  });
});

describe('redis.flush', () => {
  let redis: RedisService;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  test('removes keys matching the pattern, keeps the others, and reports memory before and after', async () => {
    const big = 'x'.repeat(10000);
    for (let i = 0; i < 50; i++) redis.cli('set', `cache:${i}`, big);
    for (let i = 0; i < 5; i++) redis.cli('set', `keep:${i}`, 'v');
    const { host, success } = await runAction('redis.flush', {
      pattern: 'cache:*',
      host: '127.0.0.1',
      port: redis.port,
      db: 0,
    });
    expect(success).toBe(true);
    expect(host.values.deleted).toBe(50);
    expect(typeof host.values.used_memory_before).toBe('number');
    expect(typeof host.values.used_memory_after).toBe('number');
    expect(host.values.used_memory_before as number).toBeGreaterThan(host.values.used_memory_after as number);
    expect(redis.cli('--scan', '--pattern', 'cache:*').trim()).toBe('');
    expect(redis.cli('dbsize').trim()).toBe('5');
  });
});

describe('service.restart with supervisor', () => {
  let sup: SupervisorService;
  beforeAll(async () => {
    sup = await startSupervisor('web');
  });
  afterAll(async () => {
    await sup?.stop();
  });

  test('restarts the supervised process and the http check passes afterwards', async () => {
    const before = sup.programPid();
    const { host, success } = await runAction('service.restart', {
      service: 'web',
      manager: 'supervisor',
      config: sup.config,
    });
    expect(success).toBe(true);
    expect(host.stdout).toContain('running=web');
    const after = sup.programPid();
    expect(after).not.toBe(before);
    expect(after).toBeGreaterThan(0);
    // Verify like a runbook would: poll the HTTP check a few times (the server needs a moment).
    let verified = false;
    for (let i = 0; i < 20 && !verified; i++) {
      verified = (await runAction('http.check', { url: `http://127.0.0.1:${sup.httpPort}/` })).success;
      if (!verified) await new Promise((r) => setTimeout(r, 250));
    }
    expect(verified).toBe(true);
    const port = await runAction('port.check', { port: sup.httpPort });
    expect(port.success).toBe(true);
    expect(port.host.values.listening).toBe(true);
    const proc = await runAction('process.check', { pattern: `http.server ${sup.httpPort}`, min: 1 });
    expect(proc.success).toBe(true);
    expect(proc.host.values.count).toBe(1);
  });

  test('mode up brings up a program supervisord is still retrying (BACKOFF) once its port is free', async () => {
    sup.ctl('stop', 'web');
    // Another process holds the port: the program exits at once and supervisord retries it.
    const holder = createServer().unref();
    await new Promise<void>((resolve) => holder.listen(sup.httpPort, '127.0.0.1', resolve));
    sup.ctl('start', 'web');
    // Under load an attempt can outlive startsecs before it fails; the next quick failure backs off.
    const seenBackingOff = async () => {
      for (let i = 0; i < 100; i++) {
        if (sup.ctl('status', 'web').includes('BACKOFF')) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    };
    expect(await seenBackingOff()).toBe(true);
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    const { host, success } = await runAction('service.restart', {
      service: 'web',
      manager: 'supervisor',
      mode: 'up',
      config: sup.config,
    });
    expect(host.stderr).toBe('');
    expect(success).toBe(true);
    expect(host.stdout).toContain('running=web');
    expect(sup.ctl('status', 'web')).toContain('RUNNING');
  });
});

describe('deploy.rollback', () => {
  test('rolls back to the target version, and a second run reports a no-op', async () => {
    const root = `/tmp/fb-rel-${randomUUID()}`;
    for (const d of [root, `${root}/releases`, `${root}/releases/v1`, `${root}/releases/v2`]) {
      mkdirSync(d);
      chownSync(d, fleet.user.uid, fleet.user.gid);
    }
    try {
      const link = `${root}/current`;
      const setLink = await acts.runCommand(
        input(`ln -s ${root}/releases/v2 ${link}`, {
          target: target({
            transport: 'ssh',
            hosts: [`127.0.0.1:${fleet.instances[0]!.port}`],
            user: TEST_USER,
          }),
        }),
      );
      expect(setLink.hosts[0]!.exitCode).toBe(0);
      const params = { releases_dir: `${root}/releases`, current_link: link, version: 'v1' };
      const first = await runAction('deploy.rollback', params);
      expect(first.success).toBe(true);
      expect(first.host.values).toMatchObject({ version: 'v1', noop: false });
      expect(readlinkSync(link)).toBe(`${root}/releases/v1`);
      const second = await runAction('deploy.rollback', params);
      expect(second.success).toBe(true);
      expect(second.host.values).toMatchObject({ version: 'v1', noop: true });
      expect(readlinkSync(link)).toBe(`${root}/releases/v1`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('hostile alert labels', () => {
  test('label values rendered into commands are data: nothing in them executes on the target', async () => {
    const canary = `/tmp/fb-canary-${randomUUID()}`;
    const hostile = [
      `; touch ${canary}`,
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `'; touch ${canary}; echo '`,
      `"; touch ${canary}; echo "`,
      `x\ntouch ${canary}`,
      `\\'$(touch ${canary})`,
    ];
    const tpl = parseTemplate('printf "%s|" {{ labels.instance }}; echo {{ labels.service }}', 'shell');
    for (const value of hostile) {
      const cmd = renderTemplate(tpl, ctx({ instance: value, service: value }));
      const r = await acts.runCommand(
        input(cmd, {
          target: target({
            transport: 'ssh',
            hosts: [`127.0.0.1:${fleet.instances[0]!.port}`],
            user: TEST_USER,
          }),
        }),
      );
      expect(r.hosts[0]!.stdout).toBe(`${value}|${value}\n`);
    }
    // A built-in with the label as its service name refuses it instead of running anything.
    const svc = await runAction(
      'service.restart',
      { service: '{{ labels.service }}', manager: 'supervisor' },
      { service: hostile[0]! },
    );
    expect(svc.success).toBe(false);
    expect(svc.host.stderr).toContain('refusing invalid service name');
    expect(existsSync(canary)).toBe(false);
  });
});
