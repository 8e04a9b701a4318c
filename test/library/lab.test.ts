/**
 * The end-to-end lab itself, before any runbook uses it: over the lab's real sshd, `sudo` keeps the
 * lab PATH, the systemctl stand-in really restarts a supervised process, the docker stand-in's
 * `compose exec` reaches the real PostgreSQL behind a compose service, and the Redis server asks
 * for its password.
 */
import { createCommandActivities } from '../../activities/commands';
import type { RunCommandInput } from '../../activities/types';
import type { HostRecord } from '../../contracts/incident';
import { createSshExecutor, type SshExecutor } from '../../services/transport/client';
import { execFileSync } from 'node:child_process';
import { labPostgres, labRedis, provisionPostgres, type LabPostgres, type LabRedis } from './lab/databases';
import { startLab, type Lab } from './lab/lab';

let lab: Lab;
let pg: LabPostgres;
let redis: LabRedis;
let acts: ReturnType<typeof createCommandActivities>;
let ssh: SshExecutor;

const PG = { name: 'compose-postgres', roles: { qte: 'qte-pw' }, databases: { qte: 'qte' } };

beforeAll(async () => {
  lab = await startLab(async ({ root, user }) => {
    pg = await labPostgres(root, user, PG);
    redis = await labRedis(root, 'redis-server', { password: 'lab-redis-pw' });
    return {
      programs: [
        pg.program,
        redis.program,
        { name: 'sleeper', command: '/bin/sleep 3600', directory: '/tmp' },
      ],
      composeEnv: { postgres: { PGHOST: pg.socketDir, PGPORT: String(pg.port) } },
    };
  });
  await provisionPostgres(pg, PG);
  const sshConfig = {
    knownHostsFile: lab.sshd.knownHostsFile,
    privateKeyFile: lab.sshd.clientKeyFile,
    useAgent: false,
    acceptUnknownHosts: false,
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 15_000,
    poolMaxPerHost: 4,
    poolIdleMs: 60_000,
  };
  ssh = createSshExecutor({ ssh: sshConfig });
  acts = createCommandActivities({
    config: { home: lab.root, ssh: sshConfig, inventory: {}, secrets: {} },
    transports: { ssh },
  });
}, 120_000);

afterAll(async () => {
  await ssh?.close();
  await lab?.stop();
});

async function run(command: string, sudo = false): Promise<HostRecord> {
  const input: RunCommandInput = {
    incidentId: 'lab',
    stepId: 'lab',
    target: {
      name: 'lab',
      transport: 'ssh',
      hosts: [`127.0.0.1:${lab.sshd.instances[0]!.port}`],
      user: lab.user.name,
      concurrency: 1,
      failFast: false,
    },
    command,
    secrets: [],
    env: {},
    sudo,
    timeoutMs: 30_000,
    outputCapBytes: 65536,
    extract: [],
  };
  return (await acts.runCommand(input)).hosts[0]!;
}

describe('the library lab', () => {
  it('runs sudo as root with the lab PATH, so sudo systemctl is the stand-in', async () => {
    const r = await run('id -u; command -v systemctl', true);
    expect(r.stdout).toBe(`0\n${lab.bin}/systemctl\n`);
  });

  it('restarts a supervised process for real through systemctl', async () => {
    const before = lab.supervisor.pid('sleeper');
    const r = await run('systemctl restart -- sleeper.service && systemctl is-active sleeper', true);
    expect(r.stdout).toBe('active\n');
    expect(lab.supervisor.pid('sleeper')).not.toBe(before);
    expect((await run('systemctl status no-such-unit')).exitCode).toBe(4);
  });

  it('reaches the real PostgreSQL behind a compose service through docker compose exec -T', async () => {
    const r = await run("docker compose exec -T postgres psql -U qte -d qte -Atc 'select current_user'");
    expect(r.stdout).toBe('qte\n');
    expect((await run('docker compose ps --services --filter status=running')).stdout).toBe('postgres\n');
  });

  it('serves a Redis that refuses commands without its password', () => {
    expect(redis.cli('ping').trim()).toBe('PONG');
    const anonymous = execFileSync('redis-cli', ['-p', String(redis.port), 'ping'], { encoding: 'utf8' });
    expect(anonymous).toContain('NOAUTH');
  });
});
