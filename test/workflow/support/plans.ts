/**
 * Small hand-built Plans for workflow tests (the compiler is tested by the language helper; here we
 * need exact control over steps, approvals and timings).
 */
import type { AlertInstance } from '../../../contracts/alert';
import type { IncidentInput } from '../../../contracts/incident';
import type { CommandStep, Plan, RemediationStep, Severity, Template } from '../../../contracts/plan';
import { DEFAULT_ESCALATION_MS, PLAN_VERSION } from '../../../contracts/plan';

export const lit = (s: string, mode: Template['mode'] = 'shell'): Template => ({ mode, parts: [{ lit: s }] });

export function commandStep(id: string, command: string, over: Partial<CommandStep> = {}): CommandStep {
  return {
    kind: 'command',
    id,
    title: `run ${id}`,
    target: 'local',
    command: lit(command),
    sudo: false,
    env: {},
    secrets: [],
    extract: [],
    success: 'exitCode == 0',
    timeoutMs: 30_000,
    retry: { maximumAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 10_000 },
    idempotent: true,
    destructive: false,
    outputCapBytes: 65_536,
    ...over,
  };
}

export function remediation(
  id: string,
  command: string,
  over: Partial<RemediationStep> = {},
): RemediationStep {
  return {
    id,
    title: `remediate ${id}`,
    run: commandStep(id, command),
    approval: 'auto',
    approvalTimeoutMs: 30 * 60_000,
    onFailure: 'escalate',
    ...over,
  };
}

export function makePlan(over: Partial<Plan> = {}, severity: Severity = 'P1'): Plan {
  return {
    planVersion: PLAN_VERSION,
    hash: 'test-plan-hash',
    runbook: {
      id: 'test-runbook',
      title: 'Test runbook',
      service: 'testsvc',
      severity,
      owners: ['alice'],
      file: 'test/test-runbook.yaml',
    },
    trigger: { matchers: [{ label: 'alertname', op: 'eq', value: 'TestAlert' }] },
    vars: {},
    targets: {
      local: {
        name: 'local',
        transport: 'local',
        hosts: [lit('localhost', 'text')],
        concurrency: 1,
        failFast: false,
      },
    },
    diagnostics: [],
    remediations: [],
    escalation: {
      levels: [['alice'], ['bob'], ['carol']],
      intervalMs: { ...DEFAULT_ESCALATION_MS },
      repeatLast: true,
    },
    notify: [],
    resolution: { mode: 'human', timeoutMs: 30 * 60_000 },
    ...over,
  };
}

export function makeAlert(over: Partial<AlertInstance> = {}): AlertInstance {
  return {
    status: 'firing',
    labels: { alertname: 'TestAlert', instance: 'localhost' },
    annotations: { summary: 'test alert' },
    startsAt: '2026-01-01T00:00:00Z',
    generatorURL: 'http://127.0.0.1:9090/graph',
    fingerprint: 'fp0001',
    source: 'alertmanager',
    ...over,
  };
}

let counter = 0;
export function makeInput(plan: Plan, alert: AlertInstance = makeAlert()): IncidentInput {
  counter++;
  return {
    incidentId: `incident-${plan.runbook.id}-${alert.fingerprint}-${counter}-${Date.now().toString(36)}`,
    plan,
    alert,
    receivedAt: '2026-01-01T00:00:01Z',
  };
}
