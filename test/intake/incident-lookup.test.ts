/**
 * Incident id → run, against a scripted server holding several incidents of one alert under one
 * workflow id (the real lookups run against a Temporal cluster in test/cluster/).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { findIncident } from '../../apps/intake/incident-lookup';

const WF = 'incident-pg-connections-fp1';

interface Run {
  runId: string;
  incidentId?: string;
  status: 'RUNNING' | 'COMPLETED';
  start: number;
}

/** Runs under WF, oldest first; the last one is the current run. */
function server(runs: Run[]): Client {
  const info = (r: Run) => ({
    workflowId: WF,
    runId: r.runId,
    status: { name: r.status },
    startTime: new Date(r.start),
    ...(r.incidentId ? { memo: { incidentId: r.incidentId } } : {}),
  });
  return {
    workflow: {
      getHandle: (workflowId: string) => ({
        describe: () => {
          const current = runs.at(-1);
          if (workflowId !== WF || !current)
            return Promise.reject(new WorkflowNotFoundError('not found', workflowId, undefined));
          return Promise.resolve(info(current));
        },
      }),
      async *list({ query }: { query: string }) {
        if (query === `WorkflowId = '${WF}'`) for (const r of runs) yield info(r);
      },
    },
  } as unknown as Client;
}

const legacy: Run = { runId: 'r0', status: 'COMPLETED', start: 1 };
const first: Run = { runId: 'r1', incidentId: `${WF}-20261121T100001.123Z`, status: 'COMPLETED', start: 2 };
const open: Run = { runId: 'r2', incidentId: `${WF}-20261121T110001.456Z`, status: 'RUNNING', start: 3 };

describe('finding an incident by id', () => {
  it('finds the open incident with a describe, and an earlier one of the same alert through visibility', async () => {
    const client = server([legacy, first, open]);
    expect(await findIncident(client, open.incidentId!)).toMatchObject({ runId: 'r2', running: true });
    expect(await findIncident(client, first.incidentId!)).toMatchObject({ runId: 'r1', running: false });
  });

  it('finds an incident started before ids had an opening time by its workflow id, before any later one', async () => {
    expect(await findIncident(server([legacy, first, open]), WF)).toMatchObject({
      runId: 'r0',
      incidentId: WF,
    });
  });

  it('takes a bare workflow id that is no incident for the incident open under it', async () => {
    expect(await findIncident(server([first, open]), WF)).toMatchObject({
      runId: 'r2',
      incidentId: open.incidentId,
    });
    await expect(findIncident(server([first]), WF)).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('answers not found, naming the incident, for an id no run has', async () => {
    const missing = `${WF}-20261121T120000.000Z`;
    await expect(findIncident(server([first, open]), missing)).rejects.toMatchObject({ workflowId: missing });
  });
});
