/**
 * Built-ins where the guides' services run: Docker Compose found as the v2 plugin or as Debian 12's
 * v1 docker-compose, staged `up -d` with one approval for the sequence, clients run inside a
 * compose service's container with the password on stdin (never on a command line), and systemd /
 * supervisor sequences. Each rendered command runs through the real /bin/sh; the tools it calls are
 * stand-ins that record what they received (test/language/support/toolbox.ts).
 */
import { makeToolbox, type Toolbox } from './support/toolbox';
import { rendered, secretEnv } from './support/render';

let box: Toolbox;
afterEach(() => box?.remove());

const STAGED = {
  services: ['nats', 'clickhouse', 'python-collector'],
  manager: 'compose',
  mode: 'up',
  settle: '10s',
  project_dir: '/',
};

describe('service.restart with compose', () => {
  it('uses the v2 plugin when `docker compose` answers, and starts the services in order, 10 s apart', async () => {
    box = makeToolbox();
    const r = await box.sh(rendered('service.restart', STAGED).cmd, { FAKE_COMPOSE_V2: '1' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('running=nats\nrunning=clickhouse\nrunning=python-collector\n');
    const steps = box
      .calls()
      .filter((c) => c.tool === 'sleep' || (c.tool === 'docker' && c.args[1] !== 'version'))
      .map((c) => [c.tool, ...c.args].join(' '));
    expect(steps).toEqual([
      'docker compose up -d nats',
      'docker compose ps --services --filter status=running',
      'sleep 10',
      'docker compose up -d clickhouse',
      'docker compose ps --services --filter status=running',
      'sleep 10',
      'docker compose up -d python-collector',
      'docker compose ps --services --filter status=running',
    ]);
    expect(box.calls().some((c) => c.tool === 'docker-compose')).toBe(false);
  });

  it("falls back to Debian 12's docker-compose v1 when the docker CLI has no compose plugin", async () => {
    box = makeToolbox();
    const r = await box.sh(
      rendered('service.restart', {
        service: 'python-collector',
        manager: 'compose',
        compose_file: 'deployment/docker/docker-compose.yml',
      }).cmd,
    );
    expect(r.status).toBe(0);
    const v1 = box.calls().filter((c) => c.tool === 'docker-compose');
    expect(v1.map((c) => c.args.join(' '))).toEqual([
      '--file=deployment/docker/docker-compose.yml restart python-collector',
      '--file=deployment/docker/docker-compose.yml ps --services --filter status=running',
    ]);
  });

  it('fails loudly, naming both CLIs, when neither is installed', async () => {
    box = makeToolbox({ without: ['docker', 'docker-compose'] });
    const r = await box.sh(rendered('service.restart', { service: 'nats', manager: 'compose' }).cmd);
    expect(r.status).toBe(127);
    expect(r.stderr).toContain('neither the docker compose plugin nor docker-compose is installed');
  });

  it('stops the sequence at the first service that does not come up: the next one is never started', async () => {
    box = makeToolbox();
    const r = await box.sh(rendered('service.restart', STAGED).cmd, {
      FAKE_COMPOSE_V2: '1',
      FAKE_COMPOSE_FAIL: 'clickhouse',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('clickhouse is not running after up -d');
    const started = box.calls().filter((c) => c.args[1] === 'up');
    expect(started.map((c) => c.args[3])).toEqual(['nats', 'clickhouse']);
  });

  it('refuses a project directory that is not absolute before running anything', async () => {
    box = makeToolbox();
    const r = await box.sh(
      rendered(
        'service.restart',
        { service: 'nats', manager: 'compose', project_dir: '{{ labels.dir }}' },
        {
          dir: '--help',
        },
      ).cmd,
      { FAKE_COMPOSE_V2: '1' },
    );
    expect(r.status).toBe(2);
    expect(box.calls()).toEqual([]);
  });
});

describe('clients inside a compose service container', () => {
  const compose = { service: 'postgres', project_dir: '/', file: 'deployment/docker/docker-compose.yml' };

  it('postgres.terminate_long_queries runs psql in the postgres container with PGPASSWORD from the secret, never in any argv', async () => {
    box = makeToolbox();
    const { built, cmd } = rendered('postgres.terminate_long_queries', {
      older_than: '10m',
      idle_older_than: '1h',
      user: 'qte',
      database: 'qte',
      compose,
      password_secret: 'qte_db_password',
    });
    expect(built.secrets).toEqual(['qte_db_password']);
    const r = await box.sh(cmd, {
      FAKE_COMPOSE_V2: '1',
      ...secretEnv('qte_db_password', 's3cr3t-pw'),
      FAKE_PSQL_OUT: '{"pid" : 7, "terminated" : true}\n{"pid" : 8, "terminated" : false}',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('terminated=1\nalready_gone=1\n');
    const docker = box.calls().find((c) => c.tool === 'docker' && c.args.includes('exec'))!;
    expect(docker.args.slice(0, 5)).toEqual([
      'compose',
      '--file=deployment/docker/docker-compose.yml',
      'exec',
      '-T',
      'postgres',
    ]);
    const psql = box.calls().find((c) => c.tool === 'psql')!;
    expect(psql.password).toBe('s3cr3t-pw');
    expect(psql.args).toEqual(
      expect.arrayContaining(['--username=qte', '--dbname=qte', '-v', 'older_than=600 seconds']),
    );
    expect(psql.args).toContain('idle_older_than=3600 seconds');
    expect(psql.stdin).toContain('pg_terminate_backend(pid)');
    for (const c of box.calls()) expect(c.args.join(' ')).not.toContain('s3cr3t-pw');
  });

  it('redis.flush deletes the pattern inside the redis container with REDISCLI_AUTH, through v1 docker-compose too', async () => {
    box = makeToolbox();
    const { cmd } = rendered('redis.flush', {
      pattern: 'cache:*',
      compose: { service: 'redis', file: 'docker-compose.yml' },
      password_secret: 'redis_password',
    });
    const r = await box.sh(cmd, secretEnv('redis_password', 'r3d1s'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('deleted=3');
    expect(box.calls().some((c) => c.tool === 'docker-compose' && c.args.includes('exec'))).toBe(true);
    const evals = box.calls().filter((c) => c.tool === 'redis-cli' && c.args.includes('eval'));
    expect(evals).toHaveLength(1);
    expect(evals[0]!.password).toBe('r3d1s');
    expect(evals[0]!.args.slice(-3)).toEqual(['0', '0', 'cache:*']);
    for (const c of box.calls()) expect(c.args.join(' ')).not.toContain('r3d1s');
  });

  it('redis.config_set sets the eviction policy and proves it by reading it back', async () => {
    box = makeToolbox();
    const { cmd } = rendered('redis.config_set', {
      parameter: 'maxmemory-policy',
      value: 'allkeys-lru',
      compose: { service: 'redis' },
    });
    const ok = await box.sh(cmd, { FAKE_COMPOSE_V2: '1', FAKE_REDIS_VALUE: 'allkeys-lru' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('after=allkeys-lru');
    const stuck = await box.sh(cmd, { FAKE_COMPOSE_V2: '1', FAKE_REDIS_VALUE: 'noeviction' });
    expect(stuck.status).toBe(1);
    expect(stuck.stderr).toContain('maxmemory-policy reads "noeviction" after CONFIG SET');
  });
});

describe('service.restart with systemd and supervisor', () => {
  it('restarts systemd units in order under sudo, and stops at the first one that is not active', async () => {
    box = makeToolbox();
    const { built, cmd } = rendered('service.restart', { services: ['postgresql', 'redis-server', 'qcat'] });
    expect(built.sudo).toBe(true);
    const r = await box.sh(cmd, { FAKE_INACTIVE: 'redis-server' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('redis-server is not active after restart');
    expect(
      box
        .calls()
        .filter((c) => c.tool === 'systemctl')
        .map((c) => c.args.join(' ')),
    ).toEqual([
      'restart -- postgresql',
      'is-active --quiet -- postgresql',
      'restart -- redis-server',
      'is-active --quiet -- redis-server',
    ]);
  });

  it("uses sudo for supervisorctl on Debian's root-only socket, and not with an explicit config", () => {
    expect(rendered('service.restart', { service: 'webctp-md', manager: 'supervisor' }).built.sudo).toBe(
      true,
    );
    expect(
      rendered('service.restart', {
        service: 'webctp-md',
        manager: 'supervisor',
        config: '/x/supervisord.conf',
      }).built.sudo,
    ).toBe(false);
  });

  it('brings a supervisor program up without restarting it when it already runs (mode up)', async () => {
    box = makeToolbox();
    const r = await box.sh(
      rendered('service.restart', { service: 'webctp-td', manager: 'supervisor', mode: 'up' }).cmd,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('running=webctp-td\n');
    expect(box.calls().map((c) => c.args[0])).toEqual(['status', 'status']);
  });
});
