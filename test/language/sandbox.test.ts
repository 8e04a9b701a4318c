/**
 * expressions/ and plan/match.ts run inside Temporal's deterministic workflow sandbox: bundled by
 * the real bundler and executed by a real worker against the time-skipping test server.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createTimeSkippingEnv } from '../support/temporal';
import type { ExpressionContext } from '../../contracts/plan';
import type { expressionsInSandbox } from './sandbox-workflow';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});

afterAll(async () => {
  await env?.teardown();
});

it('renders, evaluates, matches and resolves targets inside a real workflow sandbox', async () => {
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./sandbox-workflow'),
    logger: new DefaultLogger('WARN'),
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'lang-sandbox',
    workflowBundle,
  });
  const ctx: ExpressionContext = {
    labels: { service: 'nginx; rm -rf /', instance: 'redis://db1:6379' },
    annotations: {},
    alert: { status: 'firing', fingerprint: 'f', startsAt: '', generatorURL: '' },
    vars: { limit: 10 },
    incident: { id: 'i', severity: 'P1', runbook: 'rb', service: 'nginx' },
    steps: {},
  };
  const result = await worker.runUntil(
    env.client.workflow.execute<typeof expressionsInSandbox>('expressionsInSandbox', {
      args: [ctx],
      taskQueue: 'lang-sandbox',
      workflowId: 'lang-sandbox-1',
    }),
  );
  expect(result).toEqual({
    command: "systemctl restart 'nginx; rm -rf /'",
    cond: true,
    match: true,
    dial: ['firebreak@10.0.0.5:2222'],
  });
});
