/**
 * A small run of `npm run bench:engine` (the engine as `npm start` runs it, a loopback sshd, the
 * limits measured beside it): every figure is printed and every count verifies. No timing is
 * asserted: speed is the benchmark's business, this proves the benchmark works.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function runBench(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['-r', join(ROOT, 'test', 'support', 'register-ts.js'), join(ROOT, 'bench', 'engine.ts'), ...args],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('bench:engine', () => {
  it('prints every figure beside its limit and verifies every count on a small storm', async () => {
    const { code, out, err } = await runBench([
      ...['--deliveries', '60', '--fingerprints', '6', '--concurrency', '4'],
      ...['--sequential', '3', '--open', '14', '--approve-sample', '2'],
      ...['--limit-sequential', '2', '--ssh-runs', '20'],
    ]);
    if (code !== 0) throw new Error(`bench:engine exited ${code}\n${out}\n${err.slice(-4000)}`);
    for (const figure of [
      'accepted alerts/s',
      'receipt → workflow started (storm)',
      'receipt → first command (sequential)',
      'receipt → first command (storm)',
      'all incidents await approval after',
      'worker RSS peak',
      'history per incident (awaiting approval)',
      'CPU-seconds per incident',
      'GET /v1/incidents during the storm',
      'approve (API answer)',
    ])
      expect(out).toContain(figure);
    expect(out).toMatch(/limit: bare Temporal loop, same shape \d+\/s/);
    expect(out).toMatch(/deliveries in the histories: 60 of 60/);
    expect(out).toMatch(/first diagnostics run once on the target: 6 of 6/);
    expect(out).toMatch(/approved remediations run once: 8 of 8/);
    // The reader reads the list as a person (a read without a token is a 401, counted as failed).
    expect(out).toMatch(/\([1-9]\d* reads, 0 failed\)/);
    expect(out).not.toContain('FAIL');
    expect(out).toContain('every count verified');
  }, 600_000);
});
