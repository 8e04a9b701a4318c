import type { AlertInstance } from '../../../contracts/alert';
import type { IncidentState } from '../../../contracts/incident';
import type { Plan } from '../../../contracts/plan';
import type { FirebreakConfig } from '../../../services/config/types';

export function alert(over: Partial<AlertInstance> = {}): AlertInstance {
  return {
    status: 'firing',
    labels: {
      alertname: 'PostgresTooManyConnections',
      service: 'postgres',
      instance: '127.0.0.1:5432',
      severity: 'critical',
    },
    annotations: { summary: 'connections at 98% of max_connections' },
    startsAt: '2026-11-21T10:00:00Z',
    generatorURL: 'http://prometheus.example/graph',
    fingerprint: 'abc123',
    source: 'alertmanager',
    ...over,
  };
}

/** A minimal compiled plan (the stand-in workflow and the intake only read its runbook info). */
export function plan(id = 'pg-connections', service = 'postgres'): Plan {
  return {
    planVersion: 1,
    hash: 'f'.repeat(64),
    runbook: {
      id,
      title: 'PostgreSQL connection pool exhausted',
      service,
      severity: 'P1',
      owners: ['dba-oncall'],
      file: `${id}.yaml`,
    },
    trigger: { matchers: [{ label: 'alertname', op: 'eq', value: 'PostgresTooManyConnections' }] },
    vars: {},
    targets: {},
    diagnostics: [],
    remediations: [
      {
        id: 'terminate',
        title: 'Terminate queries running over 10 minutes',
        run: { kind: 'wait', id: 'terminate', title: 'terminate', durationMs: 1 },
        approval: 'required',
        approvalTimeoutMs: 600_000,
        onFailure: 'escalate',
      },
    ],
    escalation: {
      levels: [],
      intervalMs: { P0: 300_000, P1: 900_000, P2: 3_600_000, P3: 14_400_000 },
      repeatLast: false,
    },
    notify: [{ on: ['opened', 'approval_needed'], to: ['dba-oncall'] }],
    resolution: { mode: 'alert_resolved', timeoutMs: 600_000 },
  };
}

export function state(over: Partial<IncidentState> = {}): IncidentState {
  return {
    id: 'incident-pg-connections-abc123',
    runbook: {
      id: 'pg-connections',
      title: 'PostgreSQL connection pool exhausted',
      service: 'postgres',
      file: 'pg.yaml',
      planHash: 'f'.repeat(64),
      planVersion: 1,
    },
    severity: 'P1',
    status: 'awaiting_approval',
    alert: alert(),
    alertCount: 1,
    startedAt: '2026-11-21T10:00:01Z',
    updatedAt: '2026-11-21T10:00:05Z',
    steps: [
      {
        id: 'count-connections',
        phase: 'diagnostic',
        title: 'Count connections by state',
        status: 'succeeded',
        automated: true,
        hosts: [
          {
            host: '127.0.0.1',
            ok: true,
            exitCode: 0,
            stdout: 'active 97\nidle 3\n',
            stderr: '',
            truncated: false,
            durationMs: 12,
            values: { active: 97 },
          },
        ],
      },
      {
        id: 'terminate',
        phase: 'remediation',
        title: 'Terminate queries running over 10 minutes',
        status: 'awaiting_approval',
        automated: false,
        hosts: [],
        command: "psql -c 'select 1'",
      },
    ],
    pendingApprovals: [
      {
        stepId: 'terminate',
        requestedAt: '2026-11-21T10:00:05Z',
        expiresAt: '2026-11-21T10:10:05Z',
        approvers: ['dave', 'alice'],
      },
    ],
    escalation: { level: 0, pages: 0, stopped: false },
    oncall: {
      people: {
        alice: { id: 'alice', name: 'Alice Primary', email: 'alice@example.com' },
        dave: { id: 'dave', name: 'Dave DBA', email: 'dave@example.com' },
        bob: { id: 'bob', name: 'Bob Secondary', email: 'bob@example.com' },
      },
      levels: [{ name: 'dba', people: ['dave', 'alice'] }],
      approvers: ['dave', 'alice'],
      responders: ['dave', 'alice', 'bob'],
      notify: { approval_needed: ['dave', 'alice'] },
    },
    timeline: [],
    usedNonces: [],
    ...over,
  };
}

export function config(over: Partial<FirebreakConfig> = {}): FirebreakConfig {
  return {
    home: '/tmp/firebreak-test',
    runbooksDir: 'runbooks',
    oncallFile: 'oncall.yaml',
    temporal: { namespace: 'default', taskQueue: 'firebreak-test', uiBaseUrl: 'http://127.0.0.1:8233' },
    intake: {
      host: '127.0.0.1',
      port: 0,
      publicUrl: 'http://127.0.0.1:8080',
      bodyLimitBytes: 1024 * 1024,
      tokens: {},
    },
    mail: { from: 'firebreak@example.com', outboxDir: '/tmp/firebreak-test/outbox' },
    reportsDir: '/tmp/firebreak-test/reports',
    approvalSigningKey: 'test-signing-key-0123456789',
    approvalLinkTtlMs: 3_600_000,
    ssh: {
      knownHostsFile: '/dev/null',
      useAgent: false,
      acceptUnknownHosts: false,
      connectTimeoutMs: 5000,
      keepaliveIntervalMs: 10000,
      poolMaxPerHost: 4,
      poolIdleMs: 30000,
    },
    inventory: {},
    secrets: {},
    ...over,
  };
}
