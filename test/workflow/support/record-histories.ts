/**
 * Records the histories of a few representative incidents on the time-skipping test server into
 * test/workflow/fixtures/histories/*.json (`npm run record:histories`). The replay test runs the
 * current workflow code against them, so a change that would break running incidents
 * (non-determinism) fails in CI instead of in production. Re-record only on purpose.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { IncidentState } from '../../../contracts/incident';
import { DEFAULT_ESCALATION_MS } from '../../../contracts/plan';
import {
  ackUpdate,
  alertSignal,
  approveUpdate,
  closeUpdate,
  noteUpdate,
  rejectUpdate,
  stateQuery,
} from '../../../workflows/definitions';
import { incidentWorkflow, incidentWorkflowV2 } from '../../../workflows/incident';
import { createTimeSkippingEnv, workflowBundle } from '../../support/temporal';
import { fakeActivities } from './fakes';
import { commandStep, makeAlert, makePlan, remediation } from './plans';
import type { Plan } from '../../../contracts/plan';

export const FIXTURES_DIR = resolve(__dirname, '../fixtures/histories');
const taskQueue = 'wf-record';
type Handle = WorkflowHandle<typeof incidentWorkflow>;

async function until(handle: Handle, pred: (s: IncidentState) => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (pred(await handle.query(stateQuery))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

function basePlan(): Plan {
  return makePlan(
    {
      diagnostics: [
        {
          parallel: true,
          steps: [
            { step: commandStep('check', 'true'), onFailure: 'continue' },
            {
              step: commandStep('load', 'uptime'),
              when: "labels.alertname == 'TestAlert'",
              onFailure: 'continue',
            },
          ],
        },
      ],
      remediations: [
        remediation('restart', 'systemctl restart svc', {
          approval: 'required',
          approvalTimeoutMs: 10 * 60_000,
        }),
        remediation('cleanup', 'rm -f /tmp/x', {
          run: commandStep('cleanup', 'rm -f /tmp/x', { idempotent: false }),
          verify: { steps: [commandStep('probe', 'true')], attempts: 2, intervalMs: 1000 },
        }),
      ],
      resolution: { mode: 'verify', timeoutMs: 30 * 60_000 },
    },
    'P2',
  );
}

const bob = { person: 'bob', channel: 'api' as const };

/** name → how to drive the incident to its end (and, optionally, input tweaks). */
const SCENARIOS: Record<
  string,
  {
    plan: () => Plan;
    /** The workflow type to start (default: the first type, `incidentWorkflow`). */
    type?: typeof incidentWorkflow;
    continueAsNewAfterEvents?: number;
    drive: (h: Handle, env: TestWorkflowEnvironment) => Promise<void>;
  }
> = {
  'approved-resolved': {
    plan: basePlan,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await h.executeUpdate(approveUpdate, { args: [{ stepId: 'restart', actor: bob, nonce: 'n1' }] });
    },
  },
  // Same incident under the current workflow type (workflows/incident/versions.ts): no patch
  // markers; on-call lookup, local-host pin, mails and the report as local activities.
  'current-type-approved-resolved': {
    plan: basePlan,
    type: incidentWorkflowV2,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await h.executeUpdate(approveUpdate, { args: [{ stepId: 'restart', actor: bob, nonce: 'n1' }] });
    },
  },
  // Same incident, recorded after the on-call lookup became a local activity (LOCAL_ONCALL_PATCH):
  // the replay test keeps both the old and the patched path deterministic.
  'approved-resolved-local-oncall': {
    plan: basePlan,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await h.executeUpdate(approveUpdate, { args: [{ stepId: 'restart', actor: bob, nonce: 'n1' }] });
    },
  },
  // Same incident again, recorded after local steps were pinned to one machine's task queue
  // (LOCAL_HOST_PIN_PATCH): the pinLocalHost activity, then every local step on that queue.
  'approved-resolved-pinned-local': {
    plan: basePlan,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await h.executeUpdate(approveUpdate, { args: [{ stepId: 'restart', actor: bob, nonce: 'n1' }] });
    },
  },
  'rejected-then-continued': {
    plan: basePlan,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await h.executeUpdate(noteUpdate, { args: [{ actor: bob, text: 'looking' }] });
      await h.executeUpdate(rejectUpdate, { args: [{ stepId: 'restart', actor: bob, comment: 'no' }] });
    },
  },
  'approval-expired-escalated-closed': {
    plan: basePlan,
    async drive(h, env) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await env.sleep(10 * 60_000);
      await until(h, (s) => s.status === 'escalated');
      await h.executeUpdate(closeUpdate, { args: [{ actor: bob, outcome: 'resolved', comment: 'by hand' }] });
    },
  },
  'alert-resolved-cancelled': {
    plan: basePlan,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await h.signal(alertSignal, { alert: makeAlert(), receivedAt: '2026-01-01T00:01:00Z' });
      await h.signal(alertSignal, {
        alert: makeAlert({ status: 'resolved' }),
        receivedAt: '2026-01-01T00:02:00Z',
      });
    },
  },
  'escalation-chain-acked-closed': {
    plan: () =>
      makePlan(
        {
          escalation: {
            levels: [['alice'], ['bob'], ['carol']],
            intervalMs: { ...DEFAULT_ESCALATION_MS },
            repeatLast: true,
          },
        },
        'P0',
      ),
    async drive(h, env) {
      await until(h, (s) => s.oncall !== undefined);
      for (let n = 1; n <= 3; n++) {
        await env.sleep(DEFAULT_ESCALATION_MS.P0);
        await until(h, (s) => s.timeline.filter((t) => t.kind === 'escalated').length === n);
      }
      await h.executeUpdate(ackUpdate, { args: [{ actor: { person: 'carol', channel: 'email' } }] });
      await h.executeUpdate(closeUpdate, {
        args: [{ actor: { person: 'carol', channel: 'cli' }, outcome: 'failed' }],
      });
    },
  },
  'continued-as-new': {
    plan: () =>
      makePlan(
        { remediations: [remediation('fix', 'true')], resolution: { mode: 'human', timeoutMs: 0 } },
        'P0',
      ),
    continueAsNewAfterEvents: 40,
    async drive(h, env) {
      await until(h, (s) => s.steps.some((x) => x.status === 'succeeded'));
      for (let n = 1; n <= 5; n++) {
        await env.sleep(DEFAULT_ESCALATION_MS.P0);
        await until(h, (s) => s.timeline.filter((t) => t.kind === 'escalated').length === n);
      }
      await h.executeUpdate(closeUpdate, { args: [{ actor: bob, outcome: 'resolved' }] });
    },
  },
  // Recorded after NOTIFY_PATCH: notices combined per person (a durable 3 s timer), retried
  // while the incident is open; the alert resolving withdraws the open request, announced.
  'combined-notices-withdrawn': {
    plan: basePlan,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await until(h, (s) =>
        s.timeline.some((t) => t.kind === 'notification_sent' && t.data.kind === 'approval_needed'),
      );
      await h.signal(alertSignal, {
        alert: makeAlert({ status: 'resolved' }),
        receivedAt: '2026-01-01T00:02:00Z',
      });
    },
  },
  'combined-notices-approved': {
    plan: basePlan,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await h.executeUpdate(approveUpdate, { args: [{ stepId: 'restart', actor: bob, nonce: 'n1' }] });
    },
  },
  // Recorded after DIAGNOSTIC_ESCALATES_PATCH: a failed `on_failure: escalate` diagnostic pages now.
  'diagnostic-escalates-at-once': {
    plan: () =>
      makePlan(
        {
          diagnostics: [
            {
              parallel: false,
              steps: [{ step: commandStep('broken-probe', 'false'), onFailure: 'escalate' }],
            },
          ],
        },
        'P1',
      ),
    async drive(h) {
      await until(h, (s) =>
        s.timeline.some((t) => t.kind === 'notification_sent' && t.data.kind === 'escalated'),
      );
      await h.executeUpdate(closeUpdate, { args: [{ actor: bob, outcome: 'failed', comment: 'db down' }] });
    },
  },
  // Issue #15: deliveries with other labels are recorded and ignored, resends only counted
  // (DELIVERY_LABELS_PATCH), and the report reads its state by query (REPORT_READS_STATE_PATCH).
  'spoofed-resolved-ignored-approved': {
    plan: basePlan,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      await h.signal(alertSignal, {
        alert: makeAlert({ status: 'resolved', labels: {} }),
        receivedAt: '2026-01-01T00:01:00Z',
      });
      await h.signal(alertSignal, {
        alert: makeAlert({ labels: { alertname: 'TestAlert', instance: 'other' } }),
        receivedAt: '2026-01-01T00:02:00Z',
      });
      await h.signal(alertSignal, { alert: makeAlert(), receivedAt: '2026-01-01T00:03:00Z' });
      await until(h, (s) => s.alertCount === 2 && (s.alertConflicts ?? 0) === 2);
      await h.executeUpdate(approveUpdate, { args: [{ stepId: 'restart', actor: bob }] });
    },
  },
  // Issue #15: a flood of deliveries while awaiting approval continues-as-new (APPROVAL_CONTINUE_PATCH).
  'continued-as-new-awaiting-approval': {
    plan: basePlan,
    continueAsNewAfterEvents: 60,
    async drive(h) {
      await until(h, (s) => s.status === 'awaiting_approval');
      for (let i = 0; i < 40; i++) {
        await h.signal(alertSignal, {
          alert: makeAlert({ annotations: { summary: `value ${i}` } }),
          receivedAt: '2026-01-01T00:05:00Z',
        });
      }
      await until(h, (s) => s.alertCount === 41 && s.status === 'awaiting_approval');
      await h.executeUpdate(approveUpdate, { args: [{ stepId: 'restart', actor: bob }] });
    },
  },
  // Issue #12 (WHEN_ERROR_PATCH, FAILED_STEP_PATCH): a step that could not run is in `steps`
  // (ok false), and a `when:` that fails to evaluate on an escalate step escalates.
  'when-error-escalated': {
    plan: () =>
      makePlan(
        {
          diagnostics: [
            { parallel: false, steps: [{ step: commandStep('unreachable', 'true'), onFailure: 'continue' }] },
            {
              parallel: false,
              steps: [
                {
                  step: commandStep('fallback', 'true'),
                  when: '!steps.unreachable.ok',
                  onFailure: 'continue',
                },
              ],
            },
            {
              parallel: false,
              steps: [
                {
                  step: commandStep('guarded', 'true'),
                  when: 'steps.fallback.values.missing > 3',
                  onFailure: 'escalate',
                },
              ],
            },
          ],
          remediations: [remediation('never', 'true')],
          resolution: { mode: 'verify', timeoutMs: 30 * 60_000 },
        },
        'P2',
      ),
    async drive(h) {
      await until(h, (s) => s.status === 'escalated');
      await h.executeUpdate(closeUpdate, { args: [{ actor: bob, outcome: 'failed' }] });
    },
  },
  'remediation-failed-escalated': {
    plan: () => {
      const p = basePlan();
      p.remediations = [remediation('broken-fix', 'false')];
      return p;
    },
    async drive(h) {
      await until(h, (s) => s.status === 'escalated');
      await h.signal(alertSignal, {
        alert: makeAlert({ status: 'resolved' }),
        receivedAt: '2026-01-01T00:09:00Z',
      });
    },
  },
};

const HistoryProto = temporal.api.history.v1.History;

/**
 * History ⇄ fixture JSON through @temporalio/proto's own protobufjs. (The SDK's historyToJSON
 * trips over the two protobufjs copies installed side by side in 1.24.)
 */
export function historyToFixture(history: temporal.api.history.v1.IHistory): unknown {
  return HistoryProto.toObject(HistoryProto.fromObject(history), {
    longs: String,
    enums: String,
    bytes: String,
  });
}

export function fixtureToHistory(json: unknown): temporal.api.history.v1.History {
  return HistoryProto.fromObject(json as Record<string, unknown>);
}

/** Records every scenario, or only those named. */
export async function recordAll(only: string[] = []): Promise<string[]> {
  const unknown = only.filter((n) => !(n in SCENARIOS));
  if (unknown.length)
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  mkdirSync(FIXTURES_DIR, { recursive: true });
  const env = await createTimeSkippingEnv();
  const written: string[] = [];
  try {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      // Pinned local steps go to this machine's queue: here the recording queue itself.
      activities: {
        ...fakeActivities({
          'broken-fix': 1,
          'broken-probe': 1,
          unreachable: () => {
            throw ApplicationFailure.nonRetryable('cannot reach firebreak@db9:22', 'InvalidHost');
          },
        }),
        pinLocalHost: async () => ({ hostId: 'record-host', taskQueue }),
      },
    });
    await worker.runUntil(async () => {
      for (const [name, sc] of Object.entries(SCENARIOS)) {
        if (only.length && !only.includes(name)) continue;
        const incidentId = `incident-replay-${name}`;
        const input = {
          incidentId,
          plan: sc.plan(),
          alert: makeAlert(),
          receivedAt: '2026-01-01T00:00:01Z',
          ...(sc.continueAsNewAfterEvents ? { continueAsNewAfterEvents: sc.continueAsNewAfterEvents } : {}),
        };
        const handle = await env.client.workflow.start(sc.type ?? incidentWorkflow, {
          args: [input],
          taskQueue,
          workflowId: incidentId,
        });
        await sc.drive(handle, env);
        await handle.result();
        const last = await handle.describe();
        const runs =
          last.runId === handle.firstExecutionRunId ? [last.runId] : [handle.firstExecutionRunId, last.runId];
        for (const [i, runId] of runs.entries()) {
          const file = join(
            FIXTURES_DIR,
            runs.length > 1 ? `${name}.run${i === 0 ? 'first' : 'last'}.json` : `${name}.json`,
          );
          const history = await env.client.workflow.getHandle(incidentId, runId).fetchHistory();
          writeFileSync(file, JSON.stringify(historyToFixture(history), null, 1) + '\n');
          written.push(file);
        }
      }
    });
  } finally {
    await env.teardown();
  }
  return written;
}

if (require.main === module) {
  recordAll(process.argv.slice(2)).then(
    (files) => {
      for (const f of files) console.log(`recorded ${f}`);
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
