/**
 * `GET /v1/incidents` never waits on the worker: against a real dev server with no worker polling
 * (so no state query can be answered), the list still answers from visibility, its rows marked
 * stale; once a worker runs, the rows fill in with the incident's state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createNotifyActivities } from '../../activities/notify';
import { createOnCallActivities } from '../../activities/oncall';
import { libraryFromPlans, startIntake } from '../../apps/intake';
import type { RunningIntake } from '../../apps/intake';
import type { IncidentSummary } from '../../apps/intake/summary';
import { createMailer } from '../../services/notify';
import { loadOnCall } from '../../services/oncall';
import { incidentWorkflowId } from '../../workflows/definitions';
import { inertCommandsAndReport } from '../support/stub-activities';
import { createDevServerEnv, freePort, workflowBundle } from '../support/temporal';
import { config as makeConfig, plan } from './support/fixtures';
import { alertmanagerPayload } from './support/payloads';

const taskQueue = 'list-test';
const runbook = plan('pg-connections');
const cfg = makeConfig();
let env: TestWorkflowEnvironment;
let intake: RunningIntake;
let url: string;
let outbox: string;

beforeAll(async () => {
  env = await createDevServerEnv();
  outbox = mkdtempSync(path.join(tmpdir(), 'fb-list-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  cfg.temporal.taskQueue = taskQueue;
  cfg.intake = { ...cfg.intake, port, publicUrl: url, tokens: { 'tok-carol': 'carol' } };
  intake = await startIntake(cfg, {
    client: new Client({ connection: env.nativeConnection }),
    library: libraryFromPlans([runbook]),
  });
}, 240_000);

afterAll(async () => {
  await intake?.close();
  await env?.teardown();
  rmSync(outbox, { recursive: true, force: true });
});

async function rows(): Promise<IncidentSummary[]> {
  const res = await fetch(`${url}/v1/incidents`, { headers: { authorization: 'Bearer tok-carol' } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { incidents: IncidentSummary[] }).incidents;
}

/** Lists until `pred` holds for the incident's row (visibility and the cache fill in eventually). */
async function rowUntil(id: string, pred: (r: IncidentSummary) => boolean): Promise<IncidentSummary> {
  let last: IncidentSummary | undefined;
  for (let i = 0; i < 150; i++) {
    last = (await rows()).find((r) => r.id === id);
    if (last && pred(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`row of ${id} never matched; last ${JSON.stringify(last)}`);
}

describe('the incident list', () => {
  it('answers from visibility, rows marked stale, while no worker can answer, and fills them in once one does', async () => {
    const res = await fetch(`${url}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alertmanagerPayload('unanswered')),
    });
    expect(res.status).toBe(202);
    const { incidents } = (await res.json()) as { incidents: { id: string }[] };
    const id = incidents[0]!.id;
    // The incident id is the workflow id plus the incident's opening time.
    expect(id.startsWith(incidentWorkflowId(runbook.runbook.id, 'unanswered'))).toBe(true);

    // No worker polls the task queue: a state query cannot be answered, the list answers anyway.
    const stale = await rowUntil(id, () => true);
    expect(stale).toMatchObject({ id, status: 'running', stale: true });
    expect((await rows()).find((r) => r.id === id)).toMatchObject({ stale: true });

    const oncall = loadOnCall(path.join(__dirname, '..', '..', 'oncall.yaml'));
    const mailer = createMailer({ from: 'firebreak@example.com', outboxDir: outbox });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: {
        ...createOnCallActivities({ oncall }),
        ...createNotifyActivities({ mailer, config: cfg }),
        ...inertCommandsAndReport(),
      },
    });
    await worker.runUntil(async () => {
      const fresh = await rowUntil(id, (r) => r.stale !== true && r.status === 'awaiting_approval');
      expect(fresh).toMatchObject({ runbook: 'pg-connections', severity: 'P1', fingerprint: 'unanswered' });
      expect(fresh.pendingApprovals).toEqual([expect.objectContaining({ stepId: 'terminate' })]);
    });
    mailer.close();
  });
});
