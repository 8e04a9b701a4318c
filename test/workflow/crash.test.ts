/**
 * Crash safety on a real dev server: a worker process is SIGKILLed while a non-idempotent
 * remediation runs; a new worker finishes the incident and the command ran exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { incidentWorkflow } from '../../workflows/incident';
import { createDevServerEnv } from '../support/temporal';
import { commandStep, makeInput, makePlan, remediation } from './support/plans';

let env: TestWorkflowEnvironment;
let home: string;
const children = new Set<ChildProcess>();
const taskQueue = 'wf-crash';

beforeAll(async () => {
  env = await createDevServerEnv();
  home = mkdtempSync(join(tmpdir(), 'firebreak-crash-'));
}, 240_000);

afterAll(async () => {
  for (const c of children) await stop(c, 'SIGKILL');
  await env?.teardown();
  if (home) rmSync(home, { recursive: true, force: true });
});

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill(signal);
  });
}

/** Starts a worker process and resolves once it polls. */
function spawnWorker(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-r', resolve(__dirname, '../support/register-ts.js'), resolve(__dirname, 'support/crash-worker.ts')],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        FIREBREAK_HOME: home,
        FIREBREAK_CONFIG: '',
        FIREBREAK_TASK_QUEUE: taskQueue,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.add(child);
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('worker did not start within 90 s')), 90_000);
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) {
        clearTimeout(timer);
        res(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`worker exited early with ${code}`));
    });
  });
}

async function waitFor(pred: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a worker killed in the middle of a non-idempotent remediation', () => {
  it('is replaced by a new worker that finishes the incident without running the command a second time', async () => {
    const counter = join(home, 'counter');
    const bump = `n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n+1)) > ${counter}; sleep 3; echo bumped`;
    const plan = makePlan({
      remediations: [
        remediation('bump', bump, {
          run: commandStep('bump', bump, { idempotent: false, destructive: true, timeoutMs: 60_000 }),
          verify: { steps: [commandStep('counted', `test -s ${counter}`)], attempts: 2, intervalMs: 1000 },
        }),
      ],
      resolution: { mode: 'verify', timeoutMs: 60_000 },
    });
    const first = await spawnWorker();
    const input = makeInput(plan);
    const handle = await env.client.workflow.start(incidentWorkflow, {
      args: [input],
      taskQueue,
      workflowId: input.incidentId,
    });

    await waitFor(() => existsSync(counter), 'the remediation to start');
    await stop(first, 'SIGKILL');
    await spawnWorker();

    const final = await handle.result();
    expect(readFileSync(counter, 'utf8').trim()).toBe('1');
    expect(final.status).toBe('resolved');
    const step = final.steps.find((s) => s.id === 'bump')!;
    expect(step.status).toBe('succeeded');
    expect(step.hosts[0]).toMatchObject({ replayed: true, exitCode: 0 });
    expect(step.hosts[0]?.stdout).toContain('bumped');
    expect(step.attempts).toBeGreaterThanOrEqual(2);
    expect(final.timeline.some((t) => t.stepId === 'bump' && t.message.includes('worker lost'))).toBe(true);
  }, 180_000);
});
