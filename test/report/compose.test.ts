import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const text = readFileSync(COMPOSE_FILE, 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  restart?: string;
  deploy?: { replicas?: number };
}
const compose = parse(text, { merge: true }) as {
  name: string;
  services: Record<string, Service>;
  volumes: object;
};
const svc = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`service ${name} missing`);
  return s;
};

/** Whether this machine's docker CLI has the compose plugin (it needs no engine for `config`). */
const hasCompose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;

describe('docker-compose.yml', () => {
  it('defines PostgreSQL, Temporal with its schema and namespace jobs, its UI, Mailpit, the workers and the intake', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'intake',
      'mailpit',
      'postgresql',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    // The server image, not the deprecated auto-setup; the setup jobs run the same version's tools.
    expect(svc('temporal').image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/u);
    const version = svc('temporal').image?.split(':')[1];
    expect(svc('temporal-schema').image).toBe(`temporalio/admin-tools:${version}`);
    expect(svc('temporal-namespace').image).toBe(`temporalio/admin-tools:${version}`);
    expect(svc('worker').deploy?.replicas).toBe(2);
    expect(svc('temporal-ui').image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/u);
    expect(svc('mailpit').image).toMatch(/^axllent\/mailpit:v\d+/u);
    expect(svc('postgresql').image).toMatch(/^postgres:\d+$/u);
  });

  it('pins every image and gives every long-running service a healthcheck', () => {
    const jobs = ['temporal-schema', 'temporal-namespace'];
    for (const name of jobs)
      expect({ name, restart: svc(name).restart }).toEqual({ name, restart: 'on-failure:5' });
    for (const [name, s] of Object.entries(compose.services)) {
      expect({ name, latest: (s.image ?? '').endsWith(':latest') }).toEqual({ name, latest: false });
      if (jobs.includes(name)) continue; // one-shot jobs: later services wait for them to complete
      expect({
        name,
        test: Array.isArray(s.healthcheck?.test) && (s.healthcheck?.test.length ?? 0) > 1,
      }).toEqual({
        name,
        test: true,
      });
    }
  });

  it('runs the worker and the intake from the one built image', () => {
    expect(svc('worker').build).toBe('.');
    expect(svc('worker').image).toBe('firebreak:local');
    expect(svc('intake').image).toBe('firebreak:local');
    expect(svc('worker').command).toEqual(['node', 'dist/worker/main.js']);
    expect(svc('intake').command).toEqual(['node', 'dist/apps/intake/main.js']);
    expect(svc('intake').healthcheck?.test.join(' ')).toContain('http://127.0.0.1:8680/healthz');
  });

  it('starts services only after what they need is healthy', () => {
    const completed = { condition: 'service_completed_successfully' };
    expect(svc('temporal-schema').depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(svc('temporal').depends_on).toEqual({ 'temporal-schema': completed });
    expect(svc('temporal-namespace').depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(svc('temporal-ui').depends_on).toEqual({ 'temporal-namespace': completed });
    expect(svc('worker').depends_on).toEqual({
      'temporal-namespace': completed,
      mailpit: { condition: 'service_healthy' },
    });
    expect(svc('intake').depends_on?.['temporal-namespace']).toEqual(completed);
  });

  it('publishes the expected ports, on loopback unless FIREBREAK_BIND says otherwise', () => {
    const ports = Object.fromEntries(Object.entries(compose.services).map(([n, s]) => [n, s.ports ?? []]));
    expect(ports).toEqual({
      postgresql: [],
      temporal: ['${FIREBREAK_BIND:-127.0.0.1}:7233:7233'],
      'temporal-schema': [],
      'temporal-namespace': [],
      'temporal-ui': ['${FIREBREAK_BIND:-127.0.0.1}:8080:8080'],
      mailpit: ['${FIREBREAK_BIND:-127.0.0.1}:1025:1025', '${FIREBREAK_BIND:-127.0.0.1}:8025:8025'],
      worker: [],
      intake: ['${FIREBREAK_BIND:-127.0.0.1}:8680:8680'],
    });
  });

  it('wires worker and intake to Temporal, Mailpit and the same approval key and state volume', () => {
    for (const name of ['worker', 'intake']) {
      const env = svc(name).environment ?? {};
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(env.SMTP_URL).toBe('${SMTP_URL:-smtp://mailpit:1025}');
      expect(env.FIREBREAK_APPROVAL_KEY).toMatch(/^\$\{FIREBREAK_APPROVAL_KEY:\?/u);
      expect(env.FIREBREAK_PUBLIC_URL).toBe('${FIREBREAK_PUBLIC_URL:-http://localhost:8680}');
      expect(env.FIREBREAK_HOME).toBe('/var/lib/firebreak');
      expect(env.FIREBREAK_REPORTS).toBe('/var/lib/firebreak/reports');
      expect(svc(name).volumes).toContain('firebreak-home:/var/lib/firebreak');
    }
    expect(svc('intake').environment?.FIREBREAK_HOST).toBe('0.0.0.0');
    expect(svc('temporal').environment?.POSTGRES_SEEDS).toBe('postgresql');
    expect(svc('temporal').environment?.DB).toBe('postgres12');
  });

  it('never defaults a secret: passwords and keys are required variables', () => {
    expect(svc('postgresql').environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/u);
    expect(svc('temporal').environment?.POSTGRES_PWD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/u);
    expect(svc('temporal-schema').environment?.SQL_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/u);
  });

  it('documents every environment variable with a comment', () => {
    // Each run of `KEY: value` lines inside an environment block must be introduced by a comment.
    const lines = text.split('\n');
    const undocumented: string[] = [];
    let inEnv = false;
    let envIndent = 0;
    let documented = false;
    for (const line of lines) {
      const indent = line.length - line.trimStart().length;
      const trimmed = line.trim();
      if (/^(environment:|x-firebreak-env: &firebreak-env)$/u.test(trimmed)) {
        inEnv = true;
        envIndent = -1;
        documented = false;
        continue;
      }
      if (!inEnv || trimmed === '') continue;
      if (envIndent === -1) envIndent = indent;
      if (indent < envIndent) {
        inEnv = false;
        continue;
      }
      if (trimmed.startsWith('#')) {
        documented = true;
        continue;
      }
      if (trimmed.startsWith('<<:')) continue;
      if (!documented) undocumented.push(trimmed.split(':')[0] ?? trimmed);
    }
    expect(undocumented).toEqual([]);
  });

  it('has a Dockerfile that builds with npm ci and npm run build and copies files that exist', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24-bookworm-slim AS build$/mu);
    expect(dockerfile).toMatch(/RUN npm ci\b/u);
    expect(dockerfile).toMatch(/npm run build/u);
    expect(dockerfile).toMatch(/^USER node$/mu);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/worker\/main\.js"\]$/mu);
    const copied = [...dockerfile.matchAll(/^COPY --from=build \/app\/(\S+) /gmu)].map((m) => m[1] ?? '');
    const sources = copied.filter((p) => p !== 'node_modules' && p !== 'dist');
    expect(sources.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of sources) expect(ignored).not.toContain(p);
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.firebreak', '.env']));
  });

  (hasCompose ? it : it.skip)('passes `docker compose config`', () => {
    const r = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--quiet'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        POSTGRES_PASSWORD: 'test-only',
        FIREBREAK_APPROVAL_KEY: 'test-only-key-0123456789',
        // The intake listens on every interface in its container: it needs both tokens (issue #14).
        FIREBREAK_ALERT_TOKEN: 'test-only-alert-token',
        FIREBREAK_API_TOKENS: 'test-only-api-token=alice',
      },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
