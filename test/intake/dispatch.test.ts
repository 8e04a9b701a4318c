/**
 * The dispatcher's calls, against a scripted server that applies signal-with-start the way
 * Temporal does (atomically: start when nothing is open under the id, else signal the open run):
 * which calls it makes is the point here. The same paths run against a real dev server in
 * intake.test.ts and against a Temporal cluster with two intakes in test/cluster/.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { AlertInstance } from '../../contracts/alert';
import { Dispatcher } from '../../apps/intake/dispatch';
import { plan } from './support/fixtures';

interface Call {
  op: 'signalWithStart' | 'signal' | 'describe';
  workflowId: string;
  runId?: string;
}

interface Run {
  runId: string;
  incidentId: string;
  firingSince: string;
}

/** A server whose open runs are scripted: `open` maps workflow id → the run currently open. */
function scriptedServer(open: Map<string, Run>): { client: Client; calls: Call[] } {
  const calls: Call[] = [];
  let runs = 0;
  const decode = (p: unknown) => defaultPayloadConverter.fromPayload(p as never) as unknown;
  const notFound = (workflowId: string, runId?: string) =>
    Promise.reject(new WorkflowNotFoundError('workflow not found', workflowId, runId));
  const client = {
    options: {
      namespace: 'default',
      identity: 'test',
      loadedDataConverter: { payloadConverter: defaultPayloadConverter },
    },
    workflowService: {
      signalWithStartWorkflowExecution: async (req: {
        workflowId: string;
        memo: { fields: Record<string, unknown> };
      }) => {
        calls.push({ op: 'signalWithStart', workflowId: req.workflowId });
        // Yield like a network call, so concurrent deliveries interleave.
        await new Promise((r) => setImmediate(r));
        const current = open.get(req.workflowId);
        if (current) return { runId: current.runId, started: false };
        const run: Run = {
          runId: `run-${++runs}`,
          incidentId: decode(req.memo.fields.incidentId) as string,
          firingSince: decode(req.memo.fields.firingSince) as string,
        };
        open.set(req.workflowId, run);
        return { runId: run.runId, started: true };
      },
    },
    workflow: {
      getHandle: (workflowId: string, runId?: string) => ({
        signal: () => {
          calls.push({ op: 'signal', workflowId, ...(runId ? { runId } : {}) });
          const current = open.get(workflowId);
          if (!current || (runId !== undefined && runId !== current.runId))
            return notFound(workflowId, runId);
          return Promise.resolve();
        },
        describe: () => {
          calls.push({ op: 'describe', workflowId, ...(runId ? { runId } : {}) });
          const current = open.get(workflowId);
          if (!current || (runId !== undefined && runId !== current.runId))
            return notFound(workflowId, runId);
          return Promise.resolve({
            workflowId,
            runId: current.runId,
            status: { name: 'RUNNING' },
            memo: { incidentId: current.incidentId, firingSince: current.firingSince },
          });
        },
      }),
    },
  };
  return { client: client as unknown as Client, calls };
}

const alert = (over: Partial<AlertInstance> = {}): AlertInstance => ({
  source: 'alertmanager',
  status: 'firing',
  fingerprint: 'fp1',
  labels: { alertname: 'PostgresTooManyConnections' },
  annotations: {},
  startsAt: '2026-11-21T10:00:00Z',
  generatorURL: '',
  ...over,
});

const WORKFLOW_ID = 'incident-pg-connections-fp1';

/** Two intakes' dispatchers over one scripted server. */
function setup() {
  const open = new Map<string, Run>();
  const { client, calls } = scriptedServer(open);
  const p = plan();
  const intake = () => {
    const d = new Dispatcher({ client, taskQueue: 'q' });
    return (over: Partial<AlertInstance> = {}, receivedMs = Date.now()) =>
      d.deliver(p, alert(over), new Date(receivedMs).toISOString(), receivedMs);
  };
  return { open, calls, intake };
}

describe('dispatcher', () => {
  it('starts an incident whose id is the workflow id plus the opening time of the delivery', async () => {
    const { calls, intake } = setup();
    const r = await intake()({}, Date.parse('2026-11-21T10:00:01.123Z'));
    expect(r).toEqual({
      id: `${WORKFLOW_ID}-20261121T100001.123Z`,
      runbook: 'pg-connections',
      deduplicated: false,
      action: 'started',
    });
    expect(calls).toEqual([{ op: 'signalWithStart', workflowId: WORKFLOW_ID }]);
  });

  it('signals duplicates to the run it started, naming the run so the server skips its lookup', async () => {
    const { calls, intake } = setup();
    const deliver = intake();
    const first = await deliver();
    expect(await deliver()).toMatchObject({ id: first.id, action: 'signalled', deduplicated: true });
    expect(calls[1]).toEqual({ op: 'signal', workflowId: WORKFLOW_ID, runId: 'run-1' });
  });

  it('answers every one of many concurrent deliveries at two intakes with the one incident', async () => {
    const { calls, intake } = setup();
    const [a, b] = [intake(), intake()];
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a() : b())));
    expect(results.filter((r) => r.action === 'started')).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    // The intake that did not start it learns the incident id once, from the run's memo.
    expect(calls.filter((c) => c.op === 'describe')).toHaveLength(1);
  });

  it('re-sends to the current run when the named run has continued as new', async () => {
    const { open, calls, intake } = setup();
    const deliver = intake();
    const first = await deliver();
    open.set(WORKFLOW_ID, { ...open.get(WORKFLOW_ID)!, runId: 'run-continued' });
    expect(await deliver()).toMatchObject({ id: first.id, action: 'signalled', deduplicated: true });
    expect(calls.slice(1)).toEqual([
      { op: 'signal', workflowId: WORKFLOW_ID, runId: 'run-1' },
      { op: 'signalWithStart', workflowId: WORKFLOW_ID },
      { op: 'describe', workflowId: WORKFLOW_ID, runId: 'run-continued' },
    ]);
    await deliver();
    expect(calls.at(-1)).toEqual({ op: 'signal', workflowId: WORKFLOW_ID, runId: 'run-continued' });
  });

  it('starts a new incident with a new id when the remembered one has closed', async () => {
    const { open, intake } = setup();
    const deliver = intake();
    const first = await deliver({}, Date.parse('2026-11-21T10:00:01Z'));
    open.delete(WORKFLOW_ID); // resolved and closed
    const again = await deliver({ startsAt: '2026-11-21T11:00:00Z' }, Date.parse('2026-11-21T11:00:01Z'));
    expect(again).toMatchObject({ action: 'started', deduplicated: false });
    expect(again.id).not.toBe(first.id);
  });

  it('signals a resolved delivery to the open run and never starts one', async () => {
    const { calls, intake } = setup();
    const deliver = intake();
    expect(await deliver({ status: 'resolved', endsAt: '2026-11-21T10:05:00Z' })).toMatchObject({
      action: 'no_incident',
    });
    expect(calls).toEqual([{ op: 'describe', workflowId: WORKFLOW_ID }]);
    const first = await deliver();
    expect(await intake()({ status: 'resolved', endsAt: '2026-11-21T10:05:00Z' })).toMatchObject({
      id: first.id,
      action: 'resolved',
    });
  });

  it('does not let a late resolved of an earlier incident resolve the next one', async () => {
    const { intake } = setup();
    const deliver = intake();
    await deliver({ startsAt: '2026-11-21T11:00:00Z' });
    const late = await deliver({ status: 'resolved', endsAt: '2026-11-21T10:30:00Z' });
    expect(late).toMatchObject({ action: 'no_incident', deduplicated: false });
  });
});
