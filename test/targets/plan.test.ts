/**
 * `firebreak plan` on the exporter fixture set (examples/alerts/exporters/): every alert, shaped
 * as postgres_exporter, redis_exporter, node_exporter, blackbox_exporter and cAdvisor label it
 * and named as the popular rule sets name it, resolves to the alerting host with the runbook's
 * user and port — straight, or through an inventory alias. Golden text in fixtures/plan/.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../apps/cli/plan';
import { captureIO } from '../support/cli';

const ROOT = join(__dirname, '..', '..');
const ALERTS = 'examples/alerts/exporters';
const RUNBOOKS = 'test/targets/fixtures/runbooks';
const CONFIG = 'test/targets/fixtures/firebreak.yaml';
const GOLDEN = join(__dirname, 'fixtures', 'plan');
const update = process.env.UPDATE_GOLDEN === '1';
const fixtures = readdirSync(join(ROOT, ALERTS)).filter((f) => f.endsWith('.json'));

interface JsonTarget {
  name: string;
  endpoints?: { label: string; dial: string; from?: string; via?: string }[];
  error?: string;
}
interface JsonPlan {
  alerts: { matches: { runbook: string; severity: string; severityRule: string; targets: JsonTarget[] }[] }[];
}

async function plan(args: string[]): Promise<{ code: number; out: string }> {
  const io = captureIO(ROOT);
  const code = await run(args, io);
  return { code, out: io.stdout.join('\n') + io.stderr.join('\n') };
}

async function planJson(alert: string, withConfig: boolean): Promise<JsonPlan> {
  const args = ['--runbooks', RUNBOOKS, '--alert', `${ALERTS}/${alert}`, '--json'];
  const { code, out } = await plan(withConfig ? [...args, '--config', CONFIG] : args);
  expect(code).toBe(0);
  return JSON.parse(out) as JsonPlan;
}

/** Where each fixture's host is, as the exporter labels it. */
const EXPECTED_HOST: Record<string, string> = {
  'postgres-too-many-connections.json': 'db1',
  'postgres-high-connections.json': 'db1',
  'redis-down.json': 'redis1',
  'redis-out-of-system-memory.json': 'redis1',
  'node-host-out-of-disk-space.json': 'node1.prod.example.com',
  'node-filesystem-almost-out-of-space.json': 'node1',
  'blackbox-probe-failed.json': 'ws1',
  'blackbox-probe-http-failure.json': 'ws1',
  'cadvisor-container-high-memory.json': 'app1',
  'cadvisor-container-killed.json': 'app1',
};

describe('the exporter fixture set in firebreak plan', () => {
  it('holds alerts from all five exporters, each named in the expected table', () => {
    expect(fixtures.sort()).toEqual(Object.keys(EXPECTED_HOST).sort());
  });

  it.each(fixtures)(
    "%s matches one runbook and dials the alerting host with the runbook's user and port",
    async (f) => {
      const out = await planJson(f, false);
      const [match, ...others] = out.alerts[0]?.matches ?? [];
      expect(others).toEqual([]);
      const endpoints = match?.targets.flatMap((t) => t.endpoints ?? []);
      expect(endpoints?.map((e) => e.dial)).toEqual([`firebreak-test@${EXPECTED_HOST[f]}:2222`]);
    },
  );

  it.each(fixtures)(
    '%s reaches the machine the inventory aliases it to, as the golden text shows',
    async (f) => {
      const json = await planJson(f, true);
      const endpoint = json.alerts[0]?.matches[0]?.targets[0]?.endpoints?.[0];
      expect(endpoint?.dial).toBe('firebreak-test@127.0.0.1:2222');
      expect(endpoint?.via).toBe(`inventory lab[0] "127.0.0.1" via alias "${EXPECTED_HOST[f]}"`);
      const { out } = await plan(['--runbooks', RUNBOOKS, '--alert', `${ALERTS}/${f}`, '--config', CONFIG]);
      const file = join(GOLDEN, f.replace(/\.json$/, '.txt'));
      if (update) writeFileSync(file, out);
      expect(out).toBe(readFileSync(file, 'utf8'));
    },
  );

  it('shows which severity rule applied: the library mapping, or the runbook overriding it', async () => {
    const pg = await planJson('postgres-too-many-connections.json', true);
    expect(pg.alerts[0]?.matches[0]).toMatchObject({
      severity: 'P2',
      severityRule: 'severity="warning" → P2 by the library mapping',
    });
    const redis = await planJson('redis-down.json', false);
    expect(redis.alerts[0]?.matches[0]).toMatchObject({
      severity: 'P1',
      severityRule: "the runbook's severity",
    });
  });

  it('says which label is missing when a target cannot be resolved for the alert', async () => {
    const { code, out } = await plan([
      'test/targets/fixtures/label-from-vars.yaml',
      '--alert',
      `${ALERTS}/postgres-too-many-connections.json`,
    ]);
    expect(code).toBe(0);
    expect(out).toContain('  target db: cannot resolve target db: label "host" is missing\n');
  });

  it('refuses to plan with a config whose inventory is malformed, naming the entry', async () => {
    const { code, out } = await plan([
      '--runbooks',
      RUNBOOKS,
      '--alert',
      `${ALERTS}/redis-down.json`,
      '--config',
      'test/targets/fixtures/bad-inventory.yaml',
    ]);
    expect(code).toBe(1);
    expect(out).toContain('inventory.lab[1].aliases: expected a list of names, got "db1"');
  });
});
