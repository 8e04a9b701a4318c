/**
 * The V8 heap settings the engine and the standalone worker set at run time (worker/heap.ts): which
 * flags are set, and that they reach a worker thread created afterwards, as the SDK's workflow
 * thread is.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { HEAP_FLAGS, tuneHeap } from '../../worker/heap';

const ROOT = join(__dirname, '..', '..');

/** The young generation's size (MB) a worker thread reaches while churning short-lived objects. */
function workerYoungGenerationMb(env: NodeJS.ProcessEnv): number {
  const script = `
    require('./worker/heap').tuneHeap(process.env);
    const { Worker } = require('node:worker_threads');
    const w = new Worker(\`
      const v8 = require('node:v8');
      const keep = [];
      for (let i = 0; i < 4e6; i++) { keep.push({ i }); if (keep.length > 2e5) keep.length = 0; }
      const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      require('node:worker_threads').parentPort.postMessage(young.space_size / 1048576);
    \`, { eval: true });
    w.on('message', (mb) => { process.stdout.write(String(mb)); w.terminate(); });
  `;
  const out = execFileSync(process.execPath, ['-r', './test/support/register-ts.js', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  return Number(out);
}

describe('the worker process heap settings', () => {
  it('sets every tuned flag the process was not started with', () => {
    const set: string[] = [];
    expect(tuneHeap({}, [], (f) => set.push(f))).toEqual([...HEAP_FLAGS]);
    expect(set).toEqual([...HEAP_FLAGS]);
  });

  it('leaves a flag given on the command line or in NODE_OPTIONS to the operator', () => {
    const set: string[] = [];
    tuneHeap({ NODE_OPTIONS: '--max-semi-space-size=32' }, ['--heap_growing_percent=20'], (f) => set.push(f));
    expect(set).toEqual([]);
  });

  it('sets nothing with FIREBREAK_V8_HEAP=default and refuses an unknown mode', () => {
    const set: string[] = [];
    expect(tuneHeap({ FIREBREAK_V8_HEAP: 'default' }, [], (f) => set.push(f))).toEqual([]);
    expect(set).toEqual([]);
    expect(() => tuneHeap({ FIREBREAK_V8_HEAP: 'small' }, [], () => undefined)).toThrow(
      /FIREBREAK_V8_HEAP: expected "tuned" or "default", got "small"/,
    );
  });

  it('gives a worker thread created afterwards the smaller young generation', () => {
    const tuned = workerYoungGenerationMb({});
    const untuned = workerYoungGenerationMb({ FIREBREAK_V8_HEAP: 'default' });
    expect(tuned).toBeGreaterThan(0);
    expect(tuned).toBeLessThanOrEqual(16);
    expect(untuned).toBeGreaterThan(tuned);
  });
});
