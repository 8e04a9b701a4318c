/**
 * Severity and escalation per service as the guides say, from the shipped oncall.yaml: guide 004's
 * table for QTE (who is paged first at each severity, 5 min / 15 min / 1 h / 4 h), guide 003's
 * response times for QCAT (1 h / 4 h / 24 h), and on the real time-skipping server a QCAT P1
 * incident pages its second level after one hour, not after the plan's 15 minutes.
 */
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { IncidentState } from '../../contracts/incident';
import type { Severity } from '../../contracts/plan';
import { loadOnCall } from '../../services/oncall';
import { resolveOnCall } from '../../services/oncall/resolve';
import { stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { fakeActivities, type FakeActivities } from '../workflow/support/fakes';
import { useTimeSkippingWorker } from '../workflow/support/harness';
import { makeInput, makePlan } from '../workflow/support/plans';

const config = loadOnCall(join(__dirname, '..', '..', 'oncall.yaml'));
const MIN = 60_000;

function lookup(service: string, severity: Severity) {
  return resolveOnCall(config, {
    runbookId: 'rb',
    service,
    severity,
    levels: [],
    notify: [],
    owners: ['sre'],
  });
}

describe('the shipped on-call configuration', () => {
  it.each([
    ['P0', '5 min', 5 * MIN, ['alice', 'carol']],
    ['P1', '15 min', 15 * MIN, ['alice']],
    ['P2', '1 h', 60 * MIN, ['alice', 'bob', 'erin']],
    ['P3', '4 h', 240 * MIN, ['alice', 'bob', 'erin']],
  ] as const)(
    'pages QTE %s incidents as guide 004 says: the next level after %s, first to %j',
    (severity, _label, interval, first) => {
      const s = lookup('qte', severity);
      expect(s.intervalMs).toBe(interval);
      expect(s.levels[0]?.people).toEqual(first);
    },
  );

  it.each([
    ['P1', 60 * MIN],
    ['P2', 4 * 60 * MIN],
    ['P3', 24 * 60 * MIN],
  ] as const)(
    'waits as guide 003 says for QCAT %s incidents (%i ms), DBA first for its database',
    (sev, ms) => {
      expect(lookup('qcat', sev).intervalMs).toBe(ms);
      const db = lookup('qcat-db', sev);
      expect(db.intervalMs).toBe(ms);
      expect(db.levels[0]?.people).toEqual(['dave', 'alice']);
    },
  );

  it('leaves services whose guide gives no response times on the plan interval (default chain)', () => {
    const s = lookup('webctp', 'P1');
    expect(s.intervalMs).toBeUndefined();
    expect(s.levels.map((l) => l.name)).toEqual(['primary', 'secondary', 'manager']);
  });
});

describe('a chain interval on the real time-skipping server', () => {
  const taskQueue = 'library-oncall';
  const acts: FakeActivities = fakeActivities();
  acts.resolveOnCall = async (input) => resolveOnCall(config, input);
  const harness = useTimeSkippingWorker(taskQueue, () => acts);
  let env: TestWorkflowEnvironment;
  beforeAll(() => {
    env = harness().env;
  });

  const pages = (s: IncidentState) => s.timeline.filter((t) => t.kind === 'escalated');

  it('pages the second level of a QCAT P1 incident after one hour (guide 003), not after 15 minutes', async () => {
    const plan = makePlan({
      escalation: { levels: [], intervalMs: makePlan().escalation.intervalMs, repeatLast: true },
    });
    plan.runbook = { ...plan.runbook, service: 'qcat', owners: ['sre'] };
    const input = makeInput(plan);
    const handle = await env.client.workflow.start(incidentWorkflow, {
      args: [input],
      taskQueue,
      workflowId: input.incidentId,
    });
    try {
      for (let i = 0; i < 100 && (await handle.query(stateQuery)).oncall === undefined; i++)
        await new Promise((r) => setTimeout(r, 100));
      await env.sleep(15 * MIN);
      expect(pages(await handle.query(stateQuery))).toHaveLength(0);
      await env.sleep(45 * MIN);
      let s = await handle.query(stateQuery);
      for (let i = 0; i < 100 && pages(s).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        s = await handle.query(stateQuery);
      }
      const page = pages(s)[0]!;
      expect(Date.parse(page.at) - Date.parse(s.startedAt)).toBeGreaterThanOrEqual(60 * MIN);
      expect(page.message).toContain('within 60 min');
      expect(page.data).toMatchObject({ level: 1, levelName: 'secondary' });
    } finally {
      await handle.terminate('test done');
    }
  });
});
