import { parseAlertmanagerWebhook, labelsFingerprint } from '../../frontend/alerts/alertmanager';
import { isAlertPayloadError } from '../../frontend/alerts/errors';
import { effectiveSeverity, matchesTrigger, severityDecision } from '../../language/plan/match';
import type { TriggerSpec } from '../../contracts/plan';

const trigger: TriggerSpec = {
  matchers: [
    { label: 'alertname', op: 'eq', value: 'PostgresConnectionPoolExhausted' },
    { label: 'env', op: 'neq', value: 'staging' },
    { label: 'instance', op: 'regex', value: 'db\\d+:\\d+' },
    { label: 'silenced', op: 'absent' },
  ],
  severityFrom: { label: 'severity', map: { critical: 'P0', warning: 'P2' } },
};

describe('matchesTrigger', () => {
  it('matches when every matcher holds', () => {
    expect(
      matchesTrigger(trigger, {
        alertname: 'PostgresConnectionPoolExhausted',
        instance: 'db1:9187',
        env: 'prod',
      }),
    ).toBe(true);
  });
  it('treats a missing label as empty, so "not staging" holds without an env label', () => {
    expect(
      matchesTrigger(trigger, { alertname: 'PostgresConnectionPoolExhausted', instance: 'db1:9187' }),
    ).toBe(true);
  });
  it('anchors regexes like Prometheus does', () => {
    expect(
      matchesTrigger(trigger, { alertname: 'PostgresConnectionPoolExhausted', instance: 'xdb1:9187' }),
    ).toBe(false);
  });
  it('fails when any matcher fails', () => {
    expect(
      matchesTrigger(trigger, {
        alertname: 'PostgresConnectionPoolExhausted',
        instance: 'db1:9187',
        env: 'staging',
      }),
    ).toBe(false);
    expect(
      matchesTrigger(trigger, {
        alertname: 'PostgresConnectionPoolExhausted',
        instance: 'db1:9187',
        silenced: 'yes',
      }),
    ).toBe(false);
  });
  it('never matches with an invalid regex', () => {
    expect(matchesTrigger({ matchers: [{ label: 'a', op: 'regex', value: '(' }] }, { a: '(' })).toBe(false);
  });
});

describe('effectiveSeverity', () => {
  const plan = {
    trigger,
    runbook: { id: 'x', title: 'x', service: 'qcat', severity: 'P1' as const, owners: [], file: 'x.yaml' },
  };
  it('maps the severity label', () => {
    expect(effectiveSeverity(plan, { severity: 'critical' })).toBe('P0');
  });
  it('falls back to the runbook severity for unmapped or missing labels', () => {
    expect(effectiveSeverity(plan, { severity: 'info' })).toBe('P1');
    expect(effectiveSeverity(plan, {})).toBe('P1');
    expect(effectiveSeverity(plan, { severity: 'toString' })).toBe('P1');
  });
});

describe('triggers for real rule sets', () => {
  const rules: TriggerSpec = {
    matchers: [
      {
        label: 'alertname',
        op: 'in',
        values: ['PostgresqlTooManyConnections', 'PostgreSQLHighConnections'],
      },
      { label: 'env', op: 'nin', values: ['staging', 'dev'] },
    ],
    any: [
      [{ label: 'service', op: 'eq', value: 'qcat' }],
      [{ label: 'job', op: 'eq', value: 'qcat' }],
      [{ label: 'container_label_com_docker_compose_service', op: 'eq', value: 'qcat' }],
    ],
  };
  it('matches any of several alert names, as awesome-prometheus-alerts and the mixins name them', () => {
    expect(matchesTrigger(rules, { alertname: 'PostgresqlTooManyConnections', service: 'qcat' })).toBe(true);
    expect(matchesTrigger(rules, { alertname: 'PostgreSQLHighConnections', service: 'qcat' })).toBe(true);
    expect(matchesTrigger(rules, { alertname: 'PostgresqlDown', service: 'qcat' })).toBe(false);
  });
  it('refuses the listed values with not_in, a missing label reading as empty', () => {
    const base = { alertname: 'PostgreSQLHighConnections', service: 'qcat' };
    expect(matchesTrigger(rules, { ...base, env: 'staging' })).toBe(false);
    expect(matchesTrigger(rules, { ...base, env: 'prod' })).toBe(true);
    expect(matchesTrigger(rules, base)).toBe(true);
  });
  it('matches the service named by any one of several labels', () => {
    const name = { alertname: 'PostgreSQLHighConnections' };
    expect(matchesTrigger(rules, { ...name, job: 'qcat' })).toBe(true);
    expect(matchesTrigger(rules, { ...name, container_label_com_docker_compose_service: 'qcat' })).toBe(true);
    expect(matchesTrigger(rules, { ...name, job: 'qte' })).toBe(false);
  });
});

describe('severity decisions', () => {
  const runbook = {
    id: 'x',
    title: 'x',
    service: 'qcat',
    severity: 'P2' as const,
    owners: [],
    file: 'x.yaml',
  };
  const library = {
    label: 'severity',
    map: { critical: 'P1', warning: 'P2', info: 'P3', P0: 'P0' },
  } as const;
  it('uses the library-wide mapping when the runbook has none, and says so', () => {
    const plan = { runbook, trigger: { matchers: [], severityFromLibrary: library } };
    expect(severityDecision(plan, { severity: 'critical' })).toEqual({
      severity: 'P1',
      source: 'library',
      rule: 'severity="critical" → P1 by the library mapping',
    });
    expect(severityDecision(plan, { severity: 'P0' }).severity).toBe('P0');
  });
  it("lets the runbook's mapping win for the values it maps, the library's deciding the rest", () => {
    const plan = {
      runbook,
      trigger: {
        matchers: [],
        severityFrom: { label: 'severity', map: { critical: 'P0' as const } },
        severityFromLibrary: library,
      },
    };
    expect(severityDecision(plan, { severity: 'critical' }).rule).toBe(
      'severity="critical" → P0 by the runbook\'s mapping',
    );
    expect(severityDecision(plan, { severity: 'info' })).toMatchObject({ severity: 'P3', source: 'library' });
  });
  it("never falls to a more urgent default: an unmapped or missing value keeps the runbook's severity", () => {
    const plan = { runbook, trigger: { matchers: [], severityFromLibrary: library } };
    expect(severityDecision(plan, { severity: 'page' })).toEqual({
      severity: 'P2',
      source: 'default',
      rule: 'severity="page" is not mapped: the runbook\'s severity',
    });
    expect(severityDecision(plan, {}).rule).toBe('no "severity" label: the runbook\'s severity');
    expect(severityDecision({ runbook, trigger: { matchers: [] } }, { severity: 'critical' }).severity).toBe(
      'P2',
    );
  });
});

function payload(alerts: unknown[]): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="ServiceDown"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts,
  };
}

describe('parseAlertmanagerWebhook', () => {
  it('normalizes alerts, keeping the sender fingerprint and dropping the zero end time', () => {
    const [a] = parseAlertmanagerWebhook(
      payload([
        {
          status: 'firing',
          labels: { alertname: 'ServiceDown', service: 'qcat' },
          annotations: { summary: 'down' },
          startsAt: '2026-11-21T10:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://127.0.0.1:9090/graph',
          fingerprint: 'a1b2c3d4e5f60718',
        },
      ]),
    );
    expect(a).toEqual({
      status: 'firing',
      labels: { alertname: 'ServiceDown', service: 'qcat' },
      annotations: { summary: 'down' },
      startsAt: '2026-11-21T10:00:00Z',
      generatorURL: 'http://127.0.0.1:9090/graph',
      fingerprint: 'a1b2c3d4e5f60718',
      source: 'alertmanager',
      receiver: 'firebreak',
      groupKey: '{}:{alertname="ServiceDown"}',
    });
  });
  it('computes a stable fingerprint from sorted labels when none is given', () => {
    const [a] = parseAlertmanagerWebhook(
      payload([{ status: 'firing', labels: { b: '2', a: '1' }, startsAt: 't' }]),
    );
    expect(a?.fingerprint).toBe(labelsFingerprint({ a: '1', b: '2' }));
    expect(a?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
  it.each([
    [
      payload([{ status: 'firing', labels: { service: 5 }, startsAt: 't' }]),
      'alerts[0].labels.service: expected a string, got number',
    ],
    [
      payload([{ status: 'burning', labels: {}, startsAt: 't' }]),
      'alerts[0].status: expected "firing" or "resolved", got string "burning"',
    ],
    [{ ...payload([]), version: '3' }, 'version: expected "4" (Alertmanager webhook v4), got string "3"'],
    [{ ...payload([]), alerts: {} }, 'alerts: expected an array, got object'],
    [
      payload([{ status: 'firing', labels: {} }]),
      'alerts[0].startsAt: required RFC 3339 timestamp is missing',
    ],
    ['nope', 'payload: expected a JSON object, got string "nope"'],
  ])('rejects a malformed payload with a message naming the field (%#)', (body, message) => {
    let err: unknown;
    try {
      parseAlertmanagerWebhook(body);
    } catch (e) {
      err = e;
    }
    expect(isAlertPayloadError(err)).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
