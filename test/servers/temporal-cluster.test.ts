/**
 * The real Temporal server on PostgreSQL (test/support/temporal-cluster.ts) runs workflows and
 * keeps them through a SIGKILL and restart, so later crash-recovery tests can rely on it.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { describeProvisioned } from '../support/provisioned';
import { waitForPort } from '../support/net';
import { quietRuntime } from '../support/temporal';
import { startTemporalCluster } from '../support/temporal-cluster';
import type { TemporalCluster } from '../support/temporal-cluster';
import * as activities from './support/smoke-activities';
import { greet, proceedSignal, waitForProceed } from './support/smoke-workflows';

describeProvisioned(['temporal-server.sh'], 'a Temporal cluster on PostgreSQL', () => {
  let cluster: TemporalCluster | undefined;
  let connection: Connection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let client: Client;
  const taskQueue = `servers-smoke-${randomUUID()}`;

  beforeAll(async () => {
    quietRuntime();
    cluster = await startTemporalCluster();
    connection = await Connection.connect({ address: cluster.address });
    client = new Client({ connection, namespace: cluster.namespace });
    worker = await Worker.create({
      connection: await NativeConnection.connect({ address: cluster.address }),
      namespace: cluster.namespace,
      taskQueue,
      workflowsPath: require.resolve('./support/smoke-workflows'),
      activities,
    });
    running = worker.run();
  }, 300_000);

  afterAll(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await connection?.close();
    await cluster?.stop();
  }, 60_000);

  it('completes a workflow and its activity on a worker polling a unique task queue', async () => {
    const result = await client.workflow.execute(greet, {
      args: ['cluster'],
      taskQueue,
      workflowId: `greet-${randomUUID()}`,
    });
    expect(result).toBe('hello, CLUSTER');
  }, 60_000);

  it('finishes a workflow started before a SIGKILL once the server is restarted', async () => {
    const handle = await client.workflow.start(waitForProceed, {
      taskQueue,
      workflowId: `proceed-${randomUUID()}`,
    });
    await cluster!.kill();
    const frontendPort = Number(cluster!.address.split(':').pop());
    await expect(waitForPort(frontendPort, 300)).rejects.toThrow(/nothing listening/);
    await cluster!.restart();
    await handle.signal(proceedSignal, 'after the crash');
    expect(await handle.result()).toBe('after the crash');
    expect(await visibleStatus(client, handle.workflowId, 'COMPLETED')).toBe('COMPLETED');
  }, 180_000);
});

/** The status SQL visibility reports (written asynchronously: polled until `want` or 20 s). */
async function visibleStatus(client: Client, workflowId: string, want: string): Promise<string | undefined> {
  let status: string | undefined;
  for (let i = 0; i < 100 && status !== want; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 200));
    for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      status = w.status.name;
  }
  return status;
}
