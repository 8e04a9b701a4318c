import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAlertmanagerWebhook } from '../../frontend/alerts/alertmanager';
import { loadLibrary, matchAlert } from '../../frontend/library';
import { formatDiagnostics } from '../../frontend/loader/diagnostics';
import { run } from '../../apps/cli/validate';
import { captureIO, type CapturedIO } from '../support/cli';

const ROOT = join(__dirname, '..', '..');

const capture = (): CapturedIO => captureIO(ROOT);

describe('the runbook library', () => {
  const lib = loadLibrary(join(ROOT, 'runbooks'));

  it('validates without a single diagnostic', () => {
    expect(formatDiagnostics(lib.diagnostics)).toEqual([]);
  });

  it('holds at least 12 runbooks, each linking back to its seed guide', () => {
    expect(lib.plans.length).toBeGreaterThanOrEqual(12);
    for (const p of lib.plans) expect(p.runbook.source?.guide).toMatch(/^00[0-4]_[0-9a-f]{16}\.txt$/);
    const guides = new Set(lib.plans.map((p) => p.runbook.source?.guide.slice(0, 3)));
    expect([...guides].sort()).toEqual(['000', '001', '002', '003', '004']);
  });

  it('uses each of the four core remediations at least once', () => {
    const used = new Set(
      lib.plans.flatMap((p) => p.remediations.map((r) => (r.run.kind === 'command' ? r.run.action : 'wait'))),
    );
    for (const a of ['service.restart', 'postgres.terminate_long_queries', 'redis.flush', 'deploy.rollback'])
      expect(used).toContain(a);
  });

  it('routes a failed systemd unit, as node_exporter reports it, to the service-down runbook', () => {
    const ids = matchAlert(lib.plans, {
      labels: { alertname: 'NodeSystemdServiceFailed', name: 'nginx.service', instance: 'web1:9100', job: 'node' },
    }).map((p) => p.runbook.id);
    expect(ids).toEqual(['service-down']);
  });

  it('gives every plan a sha256 hash', () => {
    for (const p of lib.plans) expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('library-wide checks', () => {
  it('reports a runbook id used by two files at the second one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-lib-'));
    try {
      const src = readFileSync(join(ROOT, 'runbooks', 'service-down.yaml'), 'utf8');
      writeFileSync(join(dir, 'a.yaml'), src);
      writeFileSync(join(dir, 'b.yaml'), src);
      const lib = loadLibrary(dir);
      expect(lib.plans.map((p) => p.runbook.file)).toEqual(['a.yaml']);
      expect(formatDiagnostics(lib.diagnostics)).toEqual([
        `${join(dir, 'b.yaml')}:10:7: duplicate runbook id "service-down" (also defined in ${join(dir, 'a.yaml')})`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('diagnostic output', () => {
  it('caps the listing at 50 lines plus a count of the rest', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      file: 'a.yaml',
      line: i + 1,
      col: 1,
      message: `problem ${i}`,
      severity: 'error' as const,
    }));
    const lines = formatDiagnostics(many);
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe('a.yaml:1:1: problem 0');
    expect(lines[50]).toBe('... and 10 more');
  });
});

describe('firebreak validate', () => {
  it('prints a JSON report with --json', async () => {
    const io = capture();
    expect(await run(['runbooks', '--json'], io)).toBe(0);
    const report = JSON.parse(io.stdout.join('')) as {
      ok: boolean;
      runbooks: { id: string; hash: string }[];
    };
    expect(report.ok).toBe(true);
    expect(report.runbooks.map((r) => r.id)).toContain('qcat-db-pool-exhausted');
  });
  it('exits 0 on the shipped runbooks directory', async () => {
    const io = capture();
    expect(await run(['runbooks'], io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/runbook\(s\) valid/);
  });
  it('checks contacts and chains against an on-call file when one is given', async () => {
    const io = capture();
    expect(await run(['runbooks', '--oncall', 'oncall.yaml'], io)).toBe(0);
    const bad = capture();
    expect(
      await run(['test/language/fixtures/contacts/unknown-contact.yaml', '--oncall', 'oncall.yaml'], bad),
    ).toBe(1);
    expect(bad.stdout).toEqual([
      'test/language/fixtures/contacts/unknown-contact.yaml:3:89: unknown contact "dba-oncal" (did you mean "dba-oncall"?)',
      'test/language/fixtures/contacts/unknown-contact.yaml:7:10: unknown on-call chain "qcat-databse" (did you mean "qcat-database"?)',
      'test/language/fixtures/contacts/unknown-contact.yaml:9:31: unknown contact "nobody"',
    ]);
  });
  it('exits 2 on an unknown option', async () => {
    const io = capture();
    expect(await run(['--frobnicate'], io)).toBe(2);
  });
  it('exits 1 and prints positioned diagnostics for a broken runbook', async () => {
    const io = capture();
    expect(await run(['test/language/fixtures/broken/unknown-action.yaml'], io)).toBe(1);
    expect(io.stdout[0]).toMatch(/^test\/language\/fixtures\/broken\/unknown-action\.yaml:\d+:\d+: /);
  });
});

describe('example alerts', () => {
  const dir = join(ROOT, 'examples', 'alerts');
  const lib = loadLibrary(join(ROOT, 'runbooks'));
  const names = [
    'service-down',
    'db-pool-exhausted',
    'redis-memory',
    'bad-deploy',
    'disk-full',
    'multi-alert',
    'hostile-labels',
  ];

  it.each(names)('%s.json is a valid Alertmanager v4 payload whose alerts each trigger a runbook', (name) => {
    const body = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
    for (const key of [
      'receiver',
      'status',
      'alerts',
      'groupLabels',
      'commonLabels',
      'commonAnnotations',
      'externalURL',
      'groupKey',
      'truncatedAlerts',
    ]) {
      expect(body).toHaveProperty(key);
    }
    const alerts = parseAlertmanagerWebhook(body);
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) expect(matchAlert(lib.plans, a).length).toBeGreaterThan(0);
  });
});
