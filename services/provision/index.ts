/**
 * Locates (installing on first use) the Temporal server binaries that tests and the engine run:
 * the Temporal CLI dev server and the Java time-skipping test server. The shell scripts beside
 * this file do the work; they exit 3 when the toolchain (Go / Java+Maven) is missing, and then
 * the caller lets the Temporal SDK download its own binary instead.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../config/paths';

/** Exit status of the provisioning scripts when the build toolchain is absent. */
export const TOOLCHAIN_MISSING = 3;

function scriptPath(name: string): string {
  return join(repoRoot(), 'scripts', 'provision', name);
}

/**
 * Runs one script and returns the path it printed, or undefined when the toolchain is missing.
 * Other failures throw: a broken download should be seen, not silently replaced.
 */
export function runProvisionScript(name: string, timeoutMs = 10 * 60_000): Promise<string | undefined> {
  return new Promise((resolvePath, reject) => {
    execFile(
      'bash',
      [scriptPath(name)],
      { timeout: timeoutMs, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          // execFile reports the exit status in `code` (a number), typed as the errno string.
          const code = (err as unknown as { code?: number | string }).code;
          if (code === TOOLCHAIN_MISSING) return resolvePath(undefined);
          return reject(
            new Error(
              `provisioning with ${name} failed (exit ${String(code)}): ${stderr.trim().slice(-2000)}`,
            ),
          );
        }
        const path = stdout.trim().split('\n').pop();
        if (!path || !existsSync(path)) {
          return reject(new Error(`provisioning with ${name} printed no usable path: "${stdout.trim()}"`));
        }
        resolvePath(path);
      },
    );
  });
}

const cache = new Map<string, Promise<string | undefined>>();

function once(name: string): Promise<string | undefined> {
  let p = cache.get(name);
  if (!p) {
    p = runProvisionScript(name);
    // A failed attempt may succeed later (network back): don't cache failures.
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return p;
}

/** Path of the Temporal CLI binary (dev server), or undefined when Go is missing. */
export function ensureDevServerBinary(): Promise<string | undefined> {
  return once('temporal-cli.sh');
}

/** Path of the time-skipping test server wrapper, or undefined when Java/Maven are missing. */
export function ensureTestServerBinary(): Promise<string | undefined> {
  return once('temporal-test-server.sh');
}
