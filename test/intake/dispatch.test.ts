/**
 * The dispatcher's round-trip savings, against a scripted client: which calls it makes is the
 * point here. The same paths run against a real dev server in intake.test.ts.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { AlertInstance } from '../../contracts/alert';
import { Dispatcher } from '../../apps/intake/dispatch';
import { plan } from './support/fixtures';

interface Call {
  op: 'start' | 'signal';
  workflowId: string;
  runId?: string;
}

/** A client whose open runs are scripted: `open` maps workflow id → the run id currently open. */
function scriptedClient(open: Map<string, string>): { client: Client; calls: Call[] } {
  const calls: Call[] = [];
  let runs = 0;
  const client = {
    workflow: {
      start: (_type: unknown, opts: { workflowId: string }) => {
        calls.push({ op: 'start', workflowId: opts.workflowId });
        const runId = `run-${++runs}`;
        open.set(opts.workflowId, runId);
        return Promise.resolve({ workflowId: opts.workflowId, firstExecutionRunId: runId });
      },
      getHandle: (workflowId: string, runId?: string) => ({
        signal: () => {
          calls.push({ op: 'signal', workflowId, ...(runId ? { runId } : {}) });
          const current = open.get(workflowId);
          if (current === undefined || (runId !== undefined && runId !== current))
            return Promise.reject(new WorkflowNotFoundError('workflow not found', workflowId, runId));
          return Promise.resolve();
        },
      }),
    },
  };
  return { client: client as unknown as Client, calls };
}

const alert = (status: 'firing' | 'resolved' = 'firing'): AlertInstance => ({
  source: 'alertmanager',
  status,
  fingerprint: 'fp1',
  labels: { alertname: 'PostgresTooManyConnections' },
  annotations: {},
  startsAt: '2026-11-21T10:00:00Z',
  generatorURL: '',
});

const at = '2026-11-21T10:00:01Z';

/** A dispatcher over a scripted client, and a firing delivery of the same alert each call. */
function setup() {
  const open = new Map<string, string>();
  const { client, calls } = scriptedClient(open);
  const d = new Dispatcher({ client, taskQueue: 'q' });
  const p = plan();
  return { open, calls, deliver: () => d.deliver(p, alert(), at, Date.now()) };
}

describe('dispatcher', () => {
  it('signals duplicates to the run it started, naming the run so the server skips its lookup', async () => {
    const { calls, deliver } = setup();
    expect((await deliver()).action).toBe('started');
    expect((await deliver()).action).toBe('signalled');
    expect(calls[1]).toEqual({ op: 'signal', workflowId: calls[0]?.workflowId, runId: 'run-1' });
  });

  it('re-sends to the current run when the named run has continued as new', async () => {
    const { open, calls, deliver } = setup();
    const first = await deliver();
    open.set(first.id, 'run-continued'); // the workflow continued as new under the same id
    const r = await deliver();
    expect(r).toMatchObject({ action: 'signalled', deduplicated: true });
    expect(calls.slice(1)).toEqual([
      { op: 'signal', workflowId: first.id, runId: 'run-1' },
      { op: 'signal', workflowId: first.id },
    ]);
    // From then on the current run is addressed without a run id (we did not start it).
    await deliver();
    expect(calls.at(-1)).toEqual({ op: 'signal', workflowId: first.id });
  });

  it('starts a new run when the remembered incident has closed', async () => {
    const { open, calls, deliver } = setup();
    const first = await deliver();
    open.delete(first.id); // resolved and closed
    const r = await deliver();
    expect(r).toMatchObject({ action: 'started', deduplicated: false });
    expect(calls.map((c) => c.op)).toEqual(['start', 'signal', 'signal', 'start']);
  });
});
