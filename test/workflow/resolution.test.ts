/**
 * Resolution modes, escalating diagnostics, human close, and paging that survives a dead mail
 * server — on the real time-skipping test server.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { IncidentState } from '../../contracts/incident';
import { DEFAULT_ESCALATION_MS } from '../../contracts/plan';
import { alertSignal, closeUpdate, noteUpdate, stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { REFUSAL_TYPES } from '../../contracts/refusals';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal';
import { fakeActivities, noticesOf, type FakeActivities } from './support/fakes';
import { commandStep, makeAlert, makeInput, makePlan, remediation } from './support/plans';
import { updateRefusal } from './support/refusals';

let env: TestWorkflowEnvironment;
let acts: FakeActivities;
let mailDown: FakeActivities;
const workers: { worker: Worker; done: Promise<void> }[] = [];

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const bundle = await workflowBundle();
  acts = fakeActivities({ 'disk-check': 2 });
  mailDown = fakeActivities();
  mailDown.sendNotification = async (input) => {
    mailDown.notifications.push(input);
    throw new Error('connect ECONNREFUSED 127.0.0.1:25');
  };
  for (const [taskQueue, activities] of [
    ['wf-resolution', acts],
    ['wf-maildown', mailDown],
  ] as const) {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities,
    });
    workers.push({ worker, done: worker.run() });
  }
}, 240_000);

afterAll(async () => {
  for (const w of workers) w.worker.shutdown();
  await Promise.all(workers.map((w) => w.done));
  await env?.teardown();
});

type Handle = WorkflowHandle<typeof incidentWorkflow>;

async function until(
  handle: Handle,
  pred: (s: IncidentState) => boolean,
  tries = 300,
): Promise<IncidentState> {
  for (let i = 0; i < tries; i++) {
    const s = await handle.query(stateQuery);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

async function start(
  plan = makePlan(),
  taskQueue = 'wf-resolution',
): Promise<{ handle: Handle; id: string }> {
  const input = makeInput(plan);
  const handle = await env.client.workflow.start(incidentWorkflow, {
    args: [input],
    taskQueue,
    workflowId: input.incidentId,
  });
  return { handle, id: input.incidentId };
}

const ran = (id: string) => acts.commands.filter((c) => c.incidentId === id).map((c) => c.stepId);
const bob = { person: 'bob', channel: 'cli' as const };

describe('resolution and escalation edge cases', () => {
  it('keeps paging on schedule when every notification fails, recording each failure on the timeline', async () => {
    const { handle } = await start(makePlan({}, 'P0'), 'wf-maildown');
    try {
      await until(handle, (s) =>
        s.timeline.some((t) => t.kind === 'notification_failed' && t.data?.kind === 'opened'),
      );
      for (let n = 1; n <= 2; n++) {
        await env.sleep(DEFAULT_ESCALATION_MS.P0);
        await until(handle, (s) => s.timeline.filter((t) => t.kind === 'escalated').length === n);
        await until(
          handle,
          (s) =>
            s.timeline.filter((t) => t.kind === 'notification_failed' && t.data?.kind === 'escalated')
              .length >= n,
        );
      }
      const s = await handle.query(stateQuery);
      expect(s.escalation.stopped).toBe(false);
      expect(
        s.timeline.find((t) => t.kind === 'notification_failed' && t.data?.kind === 'escalated')?.message,
      ).toMatch(/ECONNREFUSED/);
      // Failed deliveries are retried while the incident is open, each failure with its next try.
      const opened = s.timeline.flatMap((t) =>
        t.kind === 'notification_failed' && t.data?.kind === 'opened' ? [t] : [],
      );
      expect(opened.length).toBeGreaterThan(1);
      expect(opened.map((t) => t.data?.attempt)).toEqual(opened.map((_, i) => i + 1));
      expect(opened.every((t) => t.data?.retryAt !== undefined)).toBe(true);
      expect(
        mailDown.notifications.filter(
          (n) => n.incidentId === s.id && noticesOf(n).some((x) => x.kind === 'opened'),
        ).length,
      ).toBeGreaterThan(1);
    } finally {
      await handle.terminate('test done');
    }
  });

  it('in human mode waits after remediation until a responder closes the incident', async () => {
    const { handle, id } = await start(
      makePlan({ remediations: [remediation('fix', 'true')], resolution: { mode: 'human', timeoutMs: 0 } }),
    );
    await until(handle, (s) => s.steps.some((x) => x.id === 'fix' && x.status === 'succeeded'));
    await env.sleep(2 * 3_600_000);
    expect((await handle.query(stateQuery)).status).toBe('remediating');
    const refused = await updateRefusal(
      handle.executeUpdate(closeUpdate, {
        args: [{ actor: { person: 'mallory', channel: 'api' }, outcome: 'resolved' }],
      }),
    );
    expect(refused.type).toBe(REFUSAL_TYPES.notResponder);
    expect(refused.message).toMatch(/mallory is not a responder/);
    const empty = await updateRefusal(
      handle.executeUpdate(noteUpdate, { args: [{ actor: bob, text: '  ' }] }),
    );
    expect(empty).toEqual({ type: REFUSAL_TYPES.invalidRequest, message: 'note from bob is empty' });
    await handle.executeUpdate(closeUpdate, {
      args: [{ actor: bob, outcome: 'resolved', comment: 'checked dashboards' }],
    });
    const final = await handle.result();
    expect(final.status).toBe('resolved');
    expect(ran(id)).toEqual(['fix']);
    expect(final.timeline.find((t) => t.kind === 'closed')).toMatchObject({
      actor: bob,
      data: { comment: 'checked dashboards' },
    });
  });

  it('escalates when the alert is still firing after the resolution timeout, then resolves when it clears', async () => {
    const { handle } = await start(
      makePlan(
        {
          remediations: [remediation('fix', 'true')],
          resolution: { mode: 'alert_resolved', timeoutMs: 20 * 60_000 },
        },
        'P3',
      ),
    );
    await until(handle, (s) => s.steps.some((x) => x.id === 'fix' && x.status === 'succeeded'));
    await env.sleep(20 * 60_000);
    const s = await until(handle, (st) => st.status === 'escalated');
    expect(s.timeline.find((t) => t.kind === 'escalated')?.message).toMatch(
      /alert still firing 20 min after remediation/,
    );
    await handle.signal(alertSignal, {
      alert: makeAlert({ status: 'resolved' }),
      receivedAt: '2026-01-01T01:00:00Z',
    });
    expect((await handle.result()).status).toBe('resolved');
  });

  it('stops at a failed diagnostic marked escalate and never reaches the remediations', async () => {
    const plan = makePlan({
      diagnostics: [
        {
          parallel: false,
          steps: [
            { step: commandStep('disk-check', 'df -h'), onFailure: 'escalate' },
            { step: commandStep('after', 'true'), onFailure: 'continue' },
          ],
        },
      ],
      remediations: [remediation('fix', 'true')],
      resolution: { mode: 'verify', timeoutMs: 0 },
    });
    const { handle, id } = await start(plan);
    try {
      const s = await until(handle, (st) => st.status === 'escalated');
      expect(ran(id)).toEqual(['disk-check']);
      expect(s.steps.find((x) => x.id === 'disk-check')).toMatchObject({
        status: 'failed',
        hosts: [{ exitCode: 2, ok: false }],
      });
    } finally {
      await handle.terminate('test done');
    }
  });

  it('continues as new during long unacknowledged paging, keeping the clock, the state and the timeline', async () => {
    const plan = makePlan(
      { remediations: [remediation('fix', 'true')], resolution: { mode: 'human', timeoutMs: 0 } },
      'P0',
    );
    const input = { ...makeInput(plan), continueAsNewAfterEvents: 60 };
    const handle = await env.client.workflow.start(incidentWorkflow, {
      args: [input],
      taskQueue: 'wf-resolution',
      workflowId: input.incidentId,
    });
    const firstRun = handle.firstExecutionRunId;
    await until(handle, (s) => s.steps.some((x) => x.id === 'fix' && x.status === 'succeeded'));
    for (let n = 1; n <= 8; n++) {
      await env.sleep(DEFAULT_ESCALATION_MS.P0);
      await until(handle, (s) => s.timeline.filter((t) => t.kind === 'escalated').length === n);
    }
    const desc = await handle.describe();
    expect(desc.runId).not.toBe(firstRun);
    const s = await handle.query(stateQuery);
    // Pages stay exactly one interval apart across the hand-over.
    const pageTimes = s.timeline.filter((t) => t.kind === 'escalated').map((t) => Date.parse(t.at));
    for (let i = 1; i < pageTimes.length; i++) {
      expect(pageTimes[i]! - pageTimes[i - 1]!).toBeGreaterThanOrEqual(DEFAULT_ESCALATION_MS.P0);
      expect(pageTimes[i]! - pageTimes[i - 1]!).toBeLessThan(DEFAULT_ESCALATION_MS.P0 + 1000);
    }
    expect(s.timeline[0]?.kind).toBe('alert_received');
    expect(s.timeline.filter((t) => t.kind === 'alert_received')).toHaveLength(1);
    expect(s.steps.map((x) => x.id)).toEqual(['fix']);
    expect(ran(input.incidentId)).toEqual(['fix']);
    const closed = await handle.executeUpdate(closeUpdate, { args: [{ actor: bob, outcome: 'resolved' }] });
    expect(closed.status).not.toBe('failed');
    const final = await handle.result();
    expect(final.status).toBe('resolved');
    expect(final.report).toBeDefined();
  });

  it('cancels without running anything when started by an already-resolved alert', async () => {
    const input = makeInput(
      makePlan({ remediations: [remediation('fix', 'true')] }),
      makeAlert({ status: 'resolved' }),
    );
    const final = await env.client.workflow.execute(incidentWorkflow, {
      args: [input],
      taskQueue: 'wf-resolution',
      workflowId: input.incidentId,
    });
    expect(final.status).toBe('cancelled');
    expect(ran(input.incidentId)).toEqual([]);
    expect(final.steps).toEqual([]);
  });
});
