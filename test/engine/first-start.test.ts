/**
 * The first `npm start` on a new machine builds the Temporal CLI with `go install`, which takes
 * minutes: it must say what it builds, how long it has been, and how to skip it. A fake `go` on
 * PATH stands in for the real (slow) build, so these tests take seconds.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKIP_BUILD_HINT } from '../../apps/engine/devserver';
import { formatElapsed, runProvisionScript } from '../../services/provision';
import { freePort } from '../support/net';

const ROOT = join(__dirname, '..', '..');
const BUILD_LINE =
  /^building the Temporal CLI v1\.5\.1 \(go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1\) into .+: first run only, 5-10 min$/;
const TICK = /^building the Temporal CLI: \d+ s elapsed$/;

/**
 * A `go` that sleeps `seconds`, prints what go prints, then installs a `temporal` that answers
 * `--version` into $GOBIN, or fails with `exit` when that is not 0.
 */
function fakeGo(dir: string, seconds: number, exit = 0): string {
  const bin = join(dir, 'fake-go-bin');
  mkdirSync(bin, { recursive: true });
  const temporal = '#!/bin/sh\necho "temporal version 0.0.0-fake"\n';
  writeFileSync(
    join(bin, 'go'),
    [
      '#!/usr/bin/env bash',
      'echo "go: downloading github.com/temporalio/cli v1.5.1" >&2',
      `sleep ${seconds}`,
      exit === 0
        ? `printf '%s' '${temporal}' > "$GOBIN/temporal" && chmod +x "$GOBIN/temporal"`
        : `echo "go: build failed: fake compiler error" >&2; exit ${exit}`,
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'go'), 0o755);
  return bin;
}

describe('the first start building the Temporal CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-first-start-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const envWith = (goBin: string): NodeJS.ProcessEnv => ({
    ...process.env,
    PATH: `${goBin}:${process.env.PATH ?? ''}`,
    FIREBREAK_CACHE: join(dir, 'cache'),
    TEMPORAL_CLI_VERSION: '',
  });

  it('says what it builds, how to skip it, and how long it has been, then returns the binary', async () => {
    const env = envWith(fakeGo(dir, 3));
    const lines: string[] = [];
    const progress = {
      log: (l: string) => lines.push(l),
      what: 'building the Temporal CLI',
      hint: 'HINT',
      everyMs: 400,
    };
    const path = await runProvisionScript('temporal-cli.sh', 60_000, { env, progress });

    expect(path).toBe(join(dir, 'cache', 'temporal-cli', 'v1.5.1', 'temporal'));
    const [build, hint, ...ticks] = lines;
    expect(build).toMatch(BUILD_LINE);
    expect(hint).toBe('HINT');
    // Only elapsed-time lines follow: go's own output is not shown.
    for (const tick of ticks) expect(tick).toMatch(TICK);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const seconds = ticks.map((t) => Number(/(\d+) s/.exec(t)?.[1]));
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));

    // Built once: the next start says nothing at all.
    const again: string[] = [];
    const second = await runProvisionScript('temporal-cli.sh', 60_000, {
      env,
      progress: { ...progress, log: (l) => again.push(l) },
    });
    expect(second).toBe(path);
    expect(again).toEqual([]);
  });

  it('fails with the exit status and the tail of the build output when the build fails', async () => {
    const env = envWith(fakeGo(dir, 0, 2));
    await expect(runProvisionScript('temporal-cli.sh', 60_000, { env })).rejects.toThrow(
      /provisioning with temporal-cli\.sh failed \(exit 2\): [^]*fake compiler error/,
    );
  });

  it('gives up at its timeout instead of waiting for a build that hangs', async () => {
    const env = envWith(fakeGo(dir, 20));
    const started = Date.now();
    await expect(runProvisionScript('temporal-cli.sh', 1000, { env })).rejects.toThrow(
      /provisioning with temporal-cli\.sh timed out after 1 s/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('formats elapsed time in seconds, then minutes and seconds', () => {
    expect(formatElapsed(14_999)).toBe('14 s');
    expect(formatElapsed(75_000)).toBe('1 min 15 s');
    expect(formatElapsed(7 * 60_000 + 5_000)).toBe('7 min 05 s');
  });

  it('`firebreak start` prints the build and the TEMPORAL_ADDRESS way to skip it', async () => {
    if (!existsSync(join(ROOT, 'dist', 'apps', 'cli', 'main.js')))
      throw new Error('run `npm run build` first');
    const env = {
      ...envWith(fakeGo(dir, 0, 1)),
      FIREBREAK_HOME: join(dir, 'home'),
      FIREBREAK_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: '',
    };
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'firebreak.js'), 'start'], {
      env,
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = r.stderr.split('\n');
    const build = lines.findIndex((l) => BUILD_LINE.test(l.replace(/^firebreak: /, '')));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(lines[build + 1]).toBe(`firebreak: ${SKIP_BUILD_HINT}`);
    expect(r.stderr).toContain('provisioning with temporal-cli.sh failed (exit 1)');
    expect(r.status).not.toBe(0);
  });
});
