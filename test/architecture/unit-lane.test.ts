/**
 * `npm run test:unit` promises tests that need no provisioned service. This keeps the promise: no
 * test file in the unit lane imports a helper that starts a server or a browser.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SELF = 'test/architecture/unit-lane.test.ts';
/** Calls that start a server or a browser (the helpers in test/support and the SDK's test servers). */
const STARTS_A_SERVICE = new RegExp(
  [
    'startSshd',
    'startPostgres',
    'startRedis',
    'startSupervisor',
    'startOwnTestServer',
    'createTimeSkippingEnv',
    'createDevServerEnv',
    'startTemporalCluster',
    'startAlertmanagerPair',
    'startMailpit',
    'promtoolCheckRules',
    'amtoolCheckConfig',
    'puppeteer',
    'TestWorkflowEnvironment\\.create',
  ]
    .map((name) => `\\b${name}\\b`)
    .join('|'),
);

// The two pattern shapes the unit config uses: a directory glob ending in .test.ts, and explicit files.
function expand(pattern: string): string[] {
  if (!pattern.endsWith('/**/*.test.ts')) return [pattern];
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
    );
  return walk(join(ROOT, pattern.slice(0, -'/**/*.test.ts'.length))).map((f) => relative(ROOT, f));
}

describe('the unit lane', () => {
  it('holds no test that starts a server or a browser', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require(join(ROOT, 'jest.unit.config.js')) as { testMatch: string[] };
    const files = config.testMatch.flatMap((p) => expand(p.replace('<rootDir>/', '')));
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.filter(
      (f) => f !== SELF && STARTS_A_SERVICE.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
