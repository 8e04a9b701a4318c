/**
 * A full incident on a real Temporal dev server with the real activity composition: local
 * commands through activities/commands.ts, mail to the outbox through activities/notify.ts, the
 * report written to disk — only the on-call lookup is a fixed snapshot.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { loadConfig } from '../../services/config';
import type { FirebreakConfig } from '../../services/config/types';
import type { TimelineKind } from '../../contracts/incident';
import { startWorker, type RunningWorker } from '../../worker';
import { approveUpdate, stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { createDevServerEnv, workflowBundle } from '../support/temporal';
import { ONCALL } from './support/fakes';
import { commandStep, makeAlert, makeInput, makePlan, remediation } from './support/plans';

let env: TestWorkflowEnvironment;
let home: string;
let config: FirebreakConfig;
let running: RunningWorker;
const taskQueue = 'wf-devserver';

beforeAll(async () => {
  env = await createDevServerEnv();
  home = mkdtempSync(join(tmpdir(), 'firebreak-dev-'));
  config = loadConfig({
    FIREBREAK_HOME: home,
    FIREBREAK_TASK_QUEUE: taskQueue,
    TEMPORAL_ADDRESS: env.address,
  });
  const activities = createActivities({
    config,
    overrides: { resolveOnCall: async () => ONCALL },
    log: () => undefined,
  });
  running = await startWorker(config, {
    connection: env.nativeConnection,
    activities,
    workflowBundle: await workflowBundle(),
  });
}, 240_000);

afterAll(async () => {
  await running?.shutdown();
  await env?.teardown();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('a full incident on the dev server', () => {
  it('diagnoses, waits for an approval update, remediates, verifies and records every step on the timeline', async () => {
    const flag = join(home, 'service-restarted');
    const plan = makePlan({
      diagnostics: [
        {
          parallel: true,
          steps: [
            {
              step: commandStep('disk', 'echo "usage 93%"', {
                extract: [{ name: 'usage', from: 'stdout', regex: 'usage (\\d+)%', type: 'number' }],
              }),
              onFailure: 'continue',
            },
            {
              step: commandStep('who', '', {
                command: { mode: 'shell', parts: [{ lit: 'printf %s ' }, { expr: 'labels.instance' }] },
              }),
              onFailure: 'continue',
            },
          ],
        },
      ],
      remediations: [
        remediation('skip-me', 'echo never', { when: 'steps.disk.values.usage < 50' }),
        remediation('restart', `touch ${flag}; echo restarted`, {
          when: 'steps.disk.values.usage > 90',
          approval: 'required',
          run: commandStep('restart', `touch ${flag}; echo restarted`, { idempotent: false }),
          verify: { steps: [commandStep('healthy', `test -f ${flag}`)], attempts: 3, intervalMs: 500 },
        }),
      ],
      resolution: { mode: 'verify', timeoutMs: 60_000 },
    });
    // `who` renders the alert's instance label, shell-quoted: hostile values stay data.
    const alert = makeAlert({ labels: { alertname: 'TestAlert', instance: "db1; rm -rf / #'" } });
    const input = makeInput(plan, alert);
    const handle = await env.client.workflow.start(incidentWorkflow, {
      args: [input],
      taskQueue,
      workflowId: input.incidentId,
    });

    for (let i = 0; i < 300; i++) {
      if ((await handle.query(stateQuery)).status === 'awaiting_approval') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const waiting = await handle.query(stateQuery);
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.steps.find((s) => s.id === 'disk')?.hosts[0]?.values).toEqual({ usage: 93 });
    expect(waiting.steps.find((s) => s.id === 'who')?.hosts[0]?.stdout).toBe("db1; rm -rf / #'");
    expect(waiting.steps.find((s) => s.id === 'skip-me')?.status).toBe('skipped');

    const after = await handle.executeUpdate(approveUpdate, {
      args: [{ stepId: 'restart', actor: { person: 'bob', channel: 'api' } }],
    });
    expect(after.steps.find((s) => s.id === 'restart')?.decidedBy?.person).toBe('bob');

    const final = await handle.result();
    expect(final.status).toBe('resolved');
    const restart = final.steps.find((s) => s.id === 'restart')!;
    expect(restart).toMatchObject({ status: 'succeeded', automated: false });
    expect(restart.hosts[0]?.stdout.trim()).toBe('restarted');
    expect(final.steps.filter((s) => s.phase === 'verify').map((s) => s.status)).toEqual(['succeeded']);

    const kinds = final.timeline.map((t) => t.kind);
    const order: TimelineKind[] = [
      'alert_received',
      'status_changed',
      'step_started',
      'condition_evaluated',
      'approval_requested',
      'approved',
      'step_finished',
      'report_written',
    ];
    let at = -1;
    for (const k of order) {
      const next = kinds.indexOf(k, at + 1);
      expect({ kind: k, found: next > at }).toEqual({ kind: k, found: true });
      at = next;
    }
    expect(final.timeline.filter((t) => t.kind === 'status_changed').map((t) => t.data?.to)).toEqual([
      'diagnosing',
      'awaiting_approval',
      'remediating',
      'verifying',
      'resolved',
    ]);
    expect(final.timeline.filter((t) => t.kind === 'notification_sent').map((t) => t.data?.kind)).toEqual(
      expect.arrayContaining(['opened', 'approval_needed', 'remediation_succeeded', 'resolved']),
    );
    // Notices to one person within seconds share a mail: opened + approval_needed, then
    // remediation_succeeded + resolved, then the report.
    expect(readdirSync(config.mail.outboxDir).length).toBeGreaterThanOrEqual(3);
    expect(readFileSync(final.report!.markdownPath, 'utf8')).toContain('restart');
    expect(final.timeline.find((t) => t.kind === 'report_written')?.data).toEqual({ emailed: true });

    // History stays small: well under Temporal's 10k-event guidance for a whole incident.
    const history = await handle.fetchHistory();
    expect(history.events?.length ?? 0).toBeLessThan(200);
  });
});
