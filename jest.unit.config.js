/**
 * `npm run test:unit`: the tests that need no provisioned service (no sshd, database, Temporal
 * server or browser), in seconds. test/architecture/unit-lane.test.ts keeps this list honest.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/architecture/**/*.test.ts',
    '<rootDir>/test/cli/**/*.test.ts',
    '<rootDir>/test/docs/**/*.test.ts',
    '<rootDir>/test/engine/connect-ready.test.ts',
    '<rootDir>/test/language/actions.test.ts',
    '<rootDir>/test/language/actions-compose.test.ts',
    '<rootDir>/test/language/actions-options.test.ts',
    '<rootDir>/test/language/compiler.test.ts',
    '<rootDir>/test/language/expressions.test.ts',
    '<rootDir>/test/language/fast-path.test.ts',
    '<rootDir>/test/language/fuzz.test.ts',
    '<rootDir>/test/language/generated.test.ts',
    '<rootDir>/test/language/golden.test.ts',
    '<rootDir>/test/language/library.test.ts',
    '<rootDir>/test/language/match.test.ts',
    '<rootDir>/test/language/plan-cli.test.ts',
    '<rootDir>/test/language/regex.test.ts',
    '<rootDir>/test/library/conditions.test.ts',
    '<rootDir>/test/library/defects.test.ts',
    '<rootDir>/test/library/fixtures.test.ts',
    '<rootDir>/test/library/golden.test.ts',
    '<rootDir>/test/secrets/**/*.test.ts',
    '<rootDir>/test/console/exposure.test.ts',
    '<rootDir>/test/console/session.test.ts',
    '<rootDir>/test/intake/dispatch.test.ts',
    '<rootDir>/test/intake/first-hour.test.ts',
    '<rootDir>/test/intake/oncall.test.ts',
    '<rootDir>/test/intake/protection.test.ts',
    '<rootDir>/test/intake/refusals.test.ts',
    '<rootDir>/test/notify/notify.test.ts',
    '<rootDir>/test/report/golden.test.ts',
    '<rootDir>/test/report/layout.test.ts',
    '<rootDir>/test/report/render.test.ts',
    '<rootDir>/test/targets/plan.test.ts',
    '<rootDir>/test/targets/resolve.test.ts',
    '<rootDir>/test/transport/local.test.ts',
    '<rootDir>/test/transport/units.test.ts',
    '<rootDir>/test/worker/**/*.test.ts',
    '<rootDir>/test/workflow/config.test.ts',
    '<rootDir>/test/workflow/replay.test.ts',
    '<rootDir>/test/worker/**/*.test.ts',
  ],
};
