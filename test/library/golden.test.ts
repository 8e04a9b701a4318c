/**
 * Runbooks whose services need what this machine lacks — a Docker engine running MarketPrism's
 * NATS/ClickHouse images, QTE's HTTPS admin API, an external network — are proven by their
 * expansion: `firebreak plan --json` for each runbook's realistic alert (through the example engine
 * config's inventory) must equal the committed golden plan in test/library/fixtures/golden/. The golden
 * files are what a reviewer reads: every command exactly as it will run on the target.
 * `UPDATE_GOLDEN=1 npx jest test/library/golden` rewrites them (review the diff).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../apps/cli/plan';
import { captureIO } from '../support/cli';

const ROOT = join(__dirname, '..', '..');
const update = process.env.UPDATE_GOLDEN === '1';

/** runbook → the fixture alert (examples/alerts/library/) its golden plan is rendered for. */
const GOLDEN: Record<string, string> = {
  'marketprism-staged-start': 'blackbox-marketprism-collector',
  'marketprism-nats': 'cadvisor-killed-marketprism-nats',
  'marketprism-clickhouse': 'blackbox-marketprism-clickhouse',
  'marketprism-no-data': 'marketprism-no-data',
  'marketprism-memory-leak': 'cadvisor-memory-marketprism-collector',
  'marketprism-storage': 'marketprism-storage-stalled',
  'marketprism-slow': 'marketprism-processing-slow',
  'qte-performance': 'qte-event-queue-backlog',
  'qte-network': 'blackbox-qte-external-api',
  'container-down': 'cadvisor-killed-qte-redis',
  'container-memory': 'cadvisor-memory-qte-nginx',
};

describe('golden plans of the runbooks this machine cannot run end to end', () => {
  it.each(Object.entries(GOLDEN))(
    '%s for %s.json matches test/library/fixtures/golden/',
    async (runbook, alert) => {
      const io = captureIO(ROOT);
      const args = [
        runbook,
        '--alert',
        `examples/alerts/library/${alert}.json`,
        '--config',
        'examples/firebreak.yaml',
        '--json',
      ];
      expect(await run(args, io)).toBe(0);
      const text = io.stdout.join('').split(ROOT).join('.') + '\n';
      const file = join(__dirname, 'fixtures', 'golden', `${runbook}.json`);
      if (update) writeFileSync(file, text);
      const plan = JSON.parse(text) as { alerts: { matches: { runbook: string }[] }[] };
      expect(plan.alerts[0]!.matches.map((m) => m.runbook)).toEqual([runbook]);
      expect(text).toBe(readFileSync(file, 'utf8'));
    },
  );
});
