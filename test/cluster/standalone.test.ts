/**
 * Separate worker and intake processes must agree on how approval links are signed and where
 * they point: started without a shared approval key or a public URL, each refuses to start
 * (before connecting to anything) instead of inventing a key of its own — whose links every
 * other process would answer with 403 — or pointing mails at its own listen address.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs `entry` with `env` (nothing listens at its Temporal address: it must not get that far). */
function runProcess(entry: string, env: NodeJS.ProcessEnv): Promise<Exit> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, entry)],
      { cwd: ROOT, env, timeout: 60_000 },
      (err, _out, stderr) => done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
}

const ENTRIES = [
  ['worker', 'dist/worker/main.js'],
  ['intake', 'dist/apps/intake/main.js'],
] as const;

describe('a standalone worker or intake', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'fb-standalone-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const base = () => ({
    PATH: process.env.PATH,
    FIREBREAK_HOME: home,
    TEMPORAL_ADDRESS: '127.0.0.1:9', // discard port: a process that got this far would fail differently
    FIREBREAK_RUNBOOKS: join(ROOT, 'runbooks'),
    FIREBREAK_ONCALL: join(ROOT, 'oncall.yaml'),
  });

  it.each(ENTRIES)(
    '%s refuses to start without a shared approval key, and writes no key of its own',
    async (_, entry) => {
      const r = await runProcess(entry, { ...base(), FIREBREAK_PUBLIC_URL: 'https://firebreak.example' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('FIREBREAK_APPROVAL_KEY: required for a separate');
      expect(existsSync(join(home, 'approval.key'))).toBe(false);
    },
  );

  it.each(ENTRIES)('%s refuses to start without the public URL its links point at', async (_, entry) => {
    const r = await runProcess(entry, { ...base(), FIREBREAK_APPROVAL_KEY: 'k'.repeat(32) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FIREBREAK_PUBLIC_URL: required for a separate');
  });
});
