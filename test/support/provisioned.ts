/**
 * Third-party servers built once into the Firebreak cache by `scripts/provision/*.sh` (Temporal
 * server, Alertmanager, Mailpit, promtool). `npm test`'s pretest builds them; these helpers only
 * look them up (`--cached`: never a 10-minute build inside a test) and gate the tests that need
 * them: skipped with the reason in the title when absent, failing instead under CI, which must
 * have them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A provisioning script under scripts/provision/ whose output the tests use. */
export type ProvisionScript = 'temporal-server.sh' | 'alertmanager.sh' | 'mailpit.sh' | 'promtool.sh';

/** What a provisioning script reports: the paths it printed, or why there are none. */
export type Provisioned = { paths: string[]; missing?: undefined } | { paths?: undefined; missing: string };

const SCRIPTS = resolve(__dirname, '../../scripts/provision');
const known = new Map<ProvisionScript, Provisioned>();

/** The paths a script prints when its build is in the cache (looked up once per test file). */
export function provisioned(script: ProvisionScript): Provisioned {
  let found = known.get(script);
  if (!found) {
    found = lookUp(script);
    known.set(script, found);
  }
  return found;
}

function lookUp(script: ProvisionScript): Provisioned {
  const r = spawnSync('bash', [join(SCRIPTS, script), '--cached'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) {
    // The script's last stderr line says what is missing and which command builds it.
    const why = (r.stderr || r.error?.message || '').trim().split('\n').pop();
    return { missing: why || `bash scripts/provision/${script} --cached exited ${String(r.status)}` };
  }
  const paths = r.stdout.trim().split('\n');
  const absent = paths.find((p) => !existsSync(p));
  return absent === undefined ? { paths } : { missing: `${script} printed ${absent}, which does not exist` };
}

/** The paths a script prints; throws naming the script and the fix when it has not been run. */
export function provisionedPaths(script: ProvisionScript): string[] {
  const found = provisioned(script);
  if (found.missing !== undefined) {
    throw new Error(`${found.missing} (\`npm run provision\` builds every server)`);
  }
  return found.paths;
}

/**
 * `describe(title, body)` when every script's build is in the cache. Otherwise a skipped block
 * whose title says what is missing; under CI (`CI` set, as `.ci/run` does) a failing test instead,
 * since a silently skipped server test there would hide a broken provisioning.
 */
export function describeProvisioned(scripts: ProvisionScript[], title: string, body: () => void): void {
  const missing = scripts.map(provisioned).flatMap((p) => (p.missing === undefined ? [] : [p.missing]));
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const reason = missing.join('; ');
  if (process.env.CI) {
    describe(title, () => {
      it('has the servers it needs provisioned', () => {
        throw new Error(`${reason} (CI needs every server: \`npm run provision\` builds them)`);
      });
    });
    return;
  }
  // jest prints nothing for a file whose tests are all skipped; the warning is what a reader sees.
  console.warn(`skipping "${title}": ${reason}`);
  describe.skip(`${title} [skipped: ${reason}]`, body);
}
