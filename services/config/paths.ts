/**
 * Where the project's own files are (runbooks, examples, provisioning scripts) for code that runs
 * from the source tree (`services/config/…`) and from `dist/` alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The repository root: the nearest ancestor of this file holding Firebreak's package.json. */
export function repoRoot(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && isFirebreak(pkg)) return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find Firebreak's package.json above ${__dirname}`);
    dir = up;
  }
}

function isFirebreak(pkg: string): boolean {
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'firebreak';
  } catch {
    return false;
  }
}
