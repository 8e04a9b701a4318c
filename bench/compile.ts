/**
 * `npm run bench:compile`: 600 runbooks (copies of the shipped library with distinct ids) in a
 * temp dir, validated end to end by `node bin/firebreak.js validate <dir>` — CLI start-up
 * included — over a few runs. Prints min and median wall time. Target: < 1 s.
 * Needs `npm run build` first (the CLI runs from dist/).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const TARGET = 600;
const RUNS = 5;

function main(): void {
  const sources = readdirSync(join(ROOT, 'runbooks'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(join(ROOT, 'runbooks', f), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-'));
  try {
    for (let i = 0; i < TARGET; i++) {
      const src = sources[i % sources.length] ?? '';
      writeFileSync(
        join(dir, `rb-${String(i).padStart(4, '0')}.yaml`),
        src.replace(/^(\s*id:\s*)([a-z0-9_-]+)/m, `$1$2-${i}`),
      );
    }
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const start = process.hrtime.bigint();
      const res = spawnSync(process.execPath, [join(ROOT, 'bin', 'firebreak.js'), 'validate', dir], {
        encoding: 'utf8',
      });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (res.status !== 0) {
        process.stderr.write(
          `validate exited ${String(res.status)}:\n${res.stdout.slice(0, 2000)}${res.stderr.slice(0, 2000)}\n`,
        );
        process.exitCode = 1;
        return;
      }
      times.push(ms);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    process.stdout.write(
      `bench:compile — firebreak validate, ${TARGET} runbooks, ${RUNS} runs (CLI start-up included)\n` +
        `  min ${(times[0] ?? 0).toFixed(0)} ms   median ${median.toFixed(0)} ms   (${((median * 1000) / TARGET).toFixed(0)} µs/runbook)   target < 1000 ms\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
