/**
 * examples/prometheus/ produces exactly the alerts the library handles: Prometheus' own promtool
 * loads every rule file and the scrape configuration, its rule unit tests (tests.yml) show each
 * rule firing with the labels the exporters give, and each of those alerts reaches exactly the
 * runbook the test names; amtool loads the Alertmanager receiver. Every alert name a runbook
 * triggers on is a rule here, and every rule is a runbook's trigger.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadLibrary, matchAlert } from '../../frontend/library';
import type { LabelMatcher, Plan } from '../../contracts/plan';
import { amtoolCheckConfig } from '../support/alertmanager';
import { runCheck } from '../support/daemon';
import { promtoolCheckRules } from '../support/promtool';
import { describeProvisioned, provisionedPaths } from '../support/provisioned';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'examples', 'prometheus');
const RULE_FILES = readdirSync(join(DIR, 'rules')).filter((f) => f.endsWith('.yml'));
const plans = loadLibrary(join(ROOT, 'runbooks')).plans.filter((p) => p.runbook.id !== 'demo-local-logs');

/** Alert names declared by the rule files. */
function ruleAlerts(): string[] {
  return RULE_FILES.flatMap((f) => {
    const doc = parse(readFileSync(join(DIR, 'rules', f), 'utf8')) as {
      groups: { rules: { alert?: string }[] }[];
    };
    return doc.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
  });
}

/** Alert names a runbook triggers on (its `alertname` matcher). */
function triggerAlerts(p: Plan): string[] {
  const m = p.trigger.matchers.find((x) => x.label === 'alertname') as LabelMatcher | undefined;
  if (!m) return [];
  if (m.op === 'eq') return [m.value];
  if (m.op === 'in') return m.values;
  throw new Error(
    `${p.runbook.id}: alertname is matched with ${m.op}; the library names its alerts (eq or in)`,
  );
}

/** The promtool unit tests: expected alert labels with the runbook named in the comment above each. */
function unitCases(): { runbook: string; labels: Record<string, string> }[] {
  const text = readFileSync(join(DIR, 'tests.yml'), 'utf8');
  const runbooks = [...text.matchAll(/^ {2}# runbook: (\S+)$/gm)].map((m) => m[1]!);
  const doc = parse(text) as {
    tests: {
      alert_rule_test: { alertname: string; exp_alerts: { exp_labels: Record<string, string> }[] }[];
    }[];
  };
  expect(runbooks).toHaveLength(doc.tests.length);
  return doc.tests.flatMap((t, i) =>
    t.alert_rule_test.flatMap((a) =>
      a.exp_alerts.map((e) => ({
        runbook: runbooks[i]!,
        labels: { alertname: a.alertname, ...e.exp_labels },
      })),
    ),
  );
}

describe('examples/prometheus and the library name the same alerts', () => {
  it('every rule is a trigger of some runbook, and every runbook triggers on rules shipped here', () => {
    const rules = new Set(ruleAlerts());
    const triggers = new Set(plans.flatMap(triggerAlerts));
    expect([...rules].filter((a) => !triggers.has(a)).sort()).toEqual([]);
    expect([...triggers].filter((a) => !rules.has(a)).sort()).toEqual([]);
    expect(rules.size).toBeGreaterThanOrEqual(40);
  });

  it('has a promtool unit test for every rule', () => {
    const tested = new Set(unitCases().map((c) => c.labels.alertname));
    expect(ruleAlerts().filter((a) => !tested.has(a))).toEqual([]);
  });

  it.each(unitCases().map((c) => [c.labels.alertname, c.labels.job ?? '', c.runbook, c.labels] as const))(
    '%s from job %s reaches %s and only it',
    (_a, _j, runbook, labels) => {
      const alert = {
        status: 'firing' as const,
        labels,
        annotations: {},
        startsAt: '2026-11-21T10:00:00Z',
        generatorURL: '',
        fingerprint: 'f',
        source: 'alertmanager' as const,
      };
      expect(matchAlert(plans, alert).map((p) => p.runbook.id)).toEqual([runbook]);
    },
  );
});

describeProvisioned(['promtool.sh'], 'promtool on examples/prometheus', () => {
  it.each(RULE_FILES)('accepts rules/%s', async (f) => {
    const check = await promtoolCheckRules(join(DIR, 'rules', f));
    expect(check.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(check.ok).toBe(true);
  });

  it('accepts prometheus.yml with its rule files', async () => {
    const [bin] = provisionedPaths('promtool.sh');
    const check = await runCheck(bin ?? 'promtool', ['check', 'config', join(DIR, 'prometheus.yml')]);
    expect(check.output).toContain(`SUCCESS: ${RULE_FILES.length} rule files found`);
    expect(check.ok).toBe(true);
  });

  it('passes the rule unit tests: every rule fires with the labels its exporter gives', async () => {
    const [bin] = provisionedPaths('promtool.sh');
    const check = await runCheck(bin ?? 'promtool', ['test', 'rules', join(DIR, 'tests.yml')]);
    expect(check.output).toContain('SUCCESS');
    expect(check.ok).toBe(true);
  });
});

describeProvisioned(['alertmanager.sh'], 'amtool on examples/prometheus', () => {
  it('accepts alertmanager.yml, whose receiver is the intake webhook with resolved notifications', async () => {
    const check = await amtoolCheckConfig(join(DIR, 'alertmanager.yml'));
    expect(check.output).toContain('SUCCESS');
    expect(check.ok).toBe(true);
    const doc = parse(readFileSync(join(DIR, 'alertmanager.yml'), 'utf8')) as {
      receivers: { name: string; webhook_configs: { url: string; send_resolved: boolean }[] }[];
    };
    expect(doc.receivers[0]!.webhook_configs[0]).toMatchObject({ send_resolved: true });
    expect(doc.receivers[0]!.webhook_configs[0]!.url).toMatch(/\/v1\/alerts\/alertmanager$/);
  });
});
