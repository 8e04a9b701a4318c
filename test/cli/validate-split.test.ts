/**
 * `firebreak validate` splits a large library over two threads (apps/cli/validate-split.ts) when
 * it runs compiled; the answer must be exactly what one thread gives: same runbooks, same
 * diagnostics in the same order, duplicate ids across the two halves included.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../apps/cli/main';
import { SPLIT_MIN_FILES } from '../../apps/cli/validate-split';
import { captureIO } from '../support/cli';

const ROOT = join(__dirname, '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fb-split-'));
  const sources = readdirSync(join(ROOT, 'runbooks'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(join(ROOT, 'runbooks', f), 'utf8'));
  const n = SPLIT_MIN_FILES * 2;
  for (let i = 0; i < n; i++) {
    let src = (sources[i % sources.length] ?? '').replace(/^(\s*id:\s*)([a-z0-9_-]+)/m, `$1rb-${i}`);
    if (i === n - 10) src = src.replace(/^(\s*id:\s*)([a-z0-9_-]+)/m, '$1rb-3'); // duplicate across halves
    if (i === 7 || i === n - 3) src = src.replace(/^kind: Runbook$/m, 'kind: Playbook'); // an error in each half
    writeFileSync(join(dir, `rb-${String(i).padStart(4, '0')}.yaml`), src);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validate on two threads', () => {
  it('answers exactly as one thread does on a large library with errors in both halves', async () => {
    const built = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'firebreak.js'), 'validate', dir, '--json'],
      {
        encoding: 'utf8',
      },
    );
    const io = captureIO();
    const code = await main(['validate', dir, '--json'], io);
    expect(built.status).toBe(1);
    expect(code).toBe(1);
    expect(JSON.parse(built.stdout)).toEqual(JSON.parse(io.stdout.join('')));
    const report = JSON.parse(built.stdout) as { diagnostics: { message: string }[]; runbooks: unknown[] };
    expect(report.runbooks).toHaveLength(SPLIT_MIN_FILES * 2 - 3);
    expect(report.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('kind'),
      expect.stringContaining('duplicate runbook id "rb-3"'),
      expect.stringContaining('kind'),
    ]);
  });

  it('checks the catch-all on whole plans whichever thread validated it', async () => {
    // A clean library (errors skip the check) whose catch-all sorts last: on a library this
    // large the helper thread takes it, or this one does if the helper is slow.
    const clean = mkdtempSync(join(tmpdir(), 'fb-split-catch-all-'));
    try {
      for (const f of readdirSync(dir).filter((n) => n !== 'rb-0007.yaml' && n < 'rb-0190.yaml'))
        cpSync(join(dir, f), join(clean, f));
      cpSync(join(ROOT, 'runbooks', 'demo-local-logs.yaml'), join(clean, 'zz-catch-all.yaml'));
      const env = { FIREBREAK_RUNBOOKS: clean, FIREBREAK_CATCH_ALL: 'demo-local-logs' };
      const built = spawnSync(process.execPath, [join(ROOT, 'bin', 'firebreak.js'), 'validate'], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
      const io = captureIO(process.cwd(), env);
      const code = await main(['validate'], io);
      expect(built.status).toBe(1);
      expect(code).toBe(1);
      expect(built.stdout.trim()).toBe(io.stdout.join('\n').trim());
      expect(built.stdout).toContain('remove them');
      expect(built.stderr).toContain('catch-all problem(s)');
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });
});
