/**
 * The compiled CLI's V8 code cache (apps/cli/compile-cache.ts): `firebreak validate` answers the
 * same with no cache, a cold one, a warm one and one whose entries are garbage (as a stale or
 * damaged cache would be); the cold run writes the entries, garbage entries are written anew, and
 * a cache grown past its bound keeps only what the run used.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeCacheDir } from '../../apps/cli/compile-cache';

const ROOT = join(__dirname, '..', '..');
let dir: string;
let library: string;
let cache: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fb-code-cache-'));
  library = join(dir, 'runbooks');
  cache = join(dir, 'cache');
  cpSync(join(ROOT, 'runbooks'), library, { recursive: true });
  const broken = readFileSync(join(library, 'disk-full-logs.yaml'), 'utf8').replace(
    /^kind: Runbook$/m,
    'kind: Playbook',
  );
  writeFileSync(join(library, 'zz-broken.yaml'), broken);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validate(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [join(ROOT, 'bin', 'firebreak.js'), 'validate', library], {
    encoding: 'utf8',
    env: { ...process.env, FIREBREAK_CACHE: cache, ...env },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const entries = (): string[] => readdirSync(join(cache, 'v8-code')).sort();

describe('the CLI code cache', () => {
  it('lives under FIREBREAK_CACHE and is off with FIREBREAK_CODE_CACHE=0', () => {
    expect(codeCacheDir({ FIREBREAK_CACHE: '/x' })).toBe(join('/x', 'v8-code'));
    expect(codeCacheDir({ FIREBREAK_CACHE: '/x', FIREBREAK_CODE_CACHE: '0' })).toBeUndefined();
  });

  it('gives the same answer without a cache, cold, warm and with garbage entries', () => {
    const uncached = validate({ FIREBREAK_CODE_CACHE: '0' });
    expect(uncached.status).toBe(1);
    expect(uncached.stderr).toMatch(/1 error\(s\) in 1 of/);

    expect(validate({})).toEqual(uncached);
    const written = entries();
    expect(written.length).toBeGreaterThan(20);
    expect(validate({})).toEqual(uncached);

    for (const name of written) writeFileSync(join(cache, 'v8-code', name), 'not V8 code');
    expect(validate({})).toEqual(uncached);
    expect(entries()).toEqual(written);
    for (const name of written)
      expect(readFileSync(join(cache, 'v8-code', name), 'utf8')).not.toBe('not V8 code');
  });

  it('removes entries this run did not use once the cache holds more than 2,000', () => {
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(join(cache, 'v8-code'), { recursive: true });
    for (let i = 0; i < 2001; i++) writeFileSync(join(cache, 'v8-code', `old-${i}`), 'from an old build');
    expect(validate({}).status).toBe(1);
    const left = entries();
    expect(left.filter((n) => n.startsWith('old-'))).toEqual([]);
    expect(left.length).toBeGreaterThan(20);
  });
});
