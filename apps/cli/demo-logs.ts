/**
 * The demo's scratch log directory: `$FIREBREAK_HOME/demo/logs`, one per engine. The demo runbook
 * (runbooks/demo-local-logs.yaml) names it as the relative `demo/logs`, which resolves there
 * because local commands run in `$FIREBREAK_HOME`.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FirebreakConfig } from '../../services/config/types';

/** The demo log directory of the engine whose state is in `config.home`. */
export function demoLogDir(config: Pick<FirebreakConfig, 'home'>): string {
  return join(config.home, 'demo', 'logs');
}

/** Names of the stale logs {@link seedDemoLogs} writes (the cleanup deletes these). */
export const STALE_DEMO_LOGS = ['gateway.log.1', 'gateway.log.2', 'collector.log.1'] as const;

/** Three logs from ten days ago (to be cleaned) and one from today (to be kept). */
export function seedDemoLogs(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const old = new Date(Date.now() - 10 * 86_400_000);
  for (const name of STALE_DEMO_LOGS) {
    const f = join(dir, name);
    writeFileSync(f, `${name}: stale log lines\n`.repeat(1000));
    utimesSync(f, old, old);
  }
  writeFileSync(join(dir, 'gateway.log'), 'today\n');
}
