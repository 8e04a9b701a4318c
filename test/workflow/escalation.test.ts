/**
 * Escalation timing on the real time-skipping test server: pages land exactly at the severity's
 * interval, walk the chain in order, repeat at the last level, and stop on acknowledgement.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { IncidentState } from '../../contracts/incident';
import type { Severity } from '../../contracts/plan';
import { DEFAULT_ESCALATION_MS } from '../../contracts/plan';
import { ackUpdate, stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { updateFailure } from '../support/temporal';
import { fakeActivities, noticesOf, type FakeActivities } from './support/fakes';
import { useTimeSkippingWorker } from './support/harness';
import { makeInput, makePlan } from './support/plans';

const taskQueue = 'wf-escalation';
const acts: FakeActivities = fakeActivities();
const harness = useTimeSkippingWorker(taskQueue, () => acts);
let env: TestWorkflowEnvironment;
beforeAll(() => {
  env = harness().env;
});

const pages = (s: IncidentState) => s.timeline.filter((t) => t.kind === 'escalated');

/** Queries until `pred` holds (bounded real time): the worker processes a fired timer asynchronously. */
async function until(
  handle: { query: (q: typeof stateQuery) => Promise<IncidentState> },
  pred: (s: IncidentState) => boolean,
) {
  for (let i = 0; i < 100; i++) {
    const s = await handle.query(stateQuery);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

async function startIncident(severity: Severity, repeatLast = true) {
  const input = makeInput(
    makePlan(
      {
        escalation: {
          levels: [['alice'], ['bob'], ['carol']],
          intervalMs: { ...DEFAULT_ESCALATION_MS },
          repeatLast,
        },
      },
      severity,
    ),
  );
  const handle = await env.client.workflow.start(incidentWorkflow, {
    args: [input],
    taskQueue,
    workflowId: input.incidentId,
  });
  await until(
    handle,
    (s) => s.oncall !== undefined && s.timeline.some((t) => t.kind === 'notification_sent'),
  );
  return { handle, input };
}

describe('escalation timers on the time-skipping server', () => {
  for (const severity of ['P0', 'P1', 'P2', 'P3'] as const) {
    const interval = DEFAULT_ESCALATION_MS[severity];
    it(`pages the second level of a ${severity} incident exactly ${interval / 60_000} minutes after the start and not a second earlier`, async () => {
      const { handle } = await startIncident(severity);
      try {
        const start = await handle.query(stateQuery);
        expect(start.severity).toBe(severity);
        expect(start.timeline.filter((t) => t.kind === 'notification_sent').map((t) => t.data?.kind)).toEqual(
          ['opened'],
        );
        // Measured from the incident's start on the server's clock (the opening mail took a moment).
        const startedMs = Date.parse(start.startedAt);
        await env.sleep(startedMs + interval - 1000 - (await env.currentTimeMs()));
        expect(pages(await handle.query(stateQuery))).toHaveLength(0);
        await env.sleep(1000);
        const after = await until(handle, (s) => pages(s).length === 1);
        const page = pages(after)[0]!;
        const elapsed = Date.parse(page.at) - Date.parse(after.startedAt);
        expect(elapsed).toBeGreaterThanOrEqual(interval);
        expect(elapsed).toBeLessThan(interval + 1000);
        expect(page.data).toMatchObject({ level: 1, levelName: 'secondary' });
      } finally {
        await handle.terminate('test done');
      }
    });
  }

  it('walks the chain in order and keeps paging the last level until someone acknowledges', async () => {
    const { handle, input } = await startIncident('P0');
    try {
      const interval = DEFAULT_ESCALATION_MS.P0;
      for (let n = 1; n <= 4; n++) {
        await env.sleep(interval);
        await until(handle, (s) => pages(s).length === n);
      }
      const s = await until(
        handle,
        (st) => st.timeline.filter((t) => t.kind === 'notification_sent').length === 5,
      );
      expect(pages(s).map((p) => p.data?.level)).toEqual([1, 2, 2, 2]);
      const sent = acts.notifications
        .filter((n) => n.incidentId === input.incidentId)
        .flatMap(noticesOf)
        .filter((n) => n.kind === 'escalated');
      expect(sent.map((n) => n.to)).toEqual([['bob'], ['carol'], ['carol'], ['carol']]);
      expect(s.escalation.stopped).toBe(false);

      await handle.executeUpdate(ackUpdate, { args: [{ actor: { person: 'carol', channel: 'cli' } }] });
      await env.sleep(interval * 3);
      const acked = await handle.query(stateQuery);
      expect(pages(acked)).toHaveLength(4);
      expect(acked.acknowledged?.by.person).toBe('carol');
      expect(acked.escalation.stopped).toBe(true);
    } finally {
      await handle.terminate('test done');
    }
  });

  it('stops paging after the last level when repeatLast is off, and says so on the timeline', async () => {
    const { handle } = await startIncident('P0', false);
    try {
      await env.sleep(DEFAULT_ESCALATION_MS.P0 * 4);
      const s = await until(handle, (st) => st.escalation.stopped);
      expect(
        pages(s)
          .filter((p) => p.data?.level !== undefined && p.message.startsWith('paged'))
          .map((p) => p.data?.level),
      ).toEqual([1, 2]);
      expect(s.timeline.some((t) => t.kind === 'escalated' && t.message.includes('repeatLast is off'))).toBe(
        true,
      );
    } finally {
      await handle.terminate('test done');
    }
  });

  it('refuses an acknowledgement from someone who is not on call for the incident', async () => {
    const { handle } = await startIncident('P2');
    try {
      const reason = await updateFailure(
        handle.executeUpdate(ackUpdate, { args: [{ actor: { person: 'mallory', channel: 'api' } }] }),
      );
      expect(reason).toMatch(/mallory is not a responder/);
      expect((await handle.query(stateQuery)).acknowledged).toBeUndefined();
    } finally {
      await handle.terminate('test done');
    }
  });
});
