/** The engine configuration benchmarks run with: everything under a scratch `home`, no SSH or SMTP. */
import * as path from 'node:path';
import type { FirebreakConfig } from '../services/config/types';

export function benchConfig(
  home: string,
  taskQueue: string,
  publicUrl = 'http://127.0.0.1',
): FirebreakConfig {
  return {
    home,
    runbooksDir: home,
    oncallFile: path.join(home, 'oncall.yaml'),
    temporal: { namespace: 'default', taskQueue },
    intake: { host: '127.0.0.1', port: 0, publicUrl, bodyLimitBytes: 1 << 20, tokens: {} },
    mail: { from: 'bench@example.com', outboxDir: path.join(home, 'outbox') },
    reportsDir: path.join(home, 'reports'),
    approvalSigningKey: 'bench-key-0123456789abcdef',
    approvalLinkTtlMs: 3_600_000,
    ssh: {
      knownHostsFile: '/dev/null',
      useAgent: false,
      acceptUnknownHosts: false,
      connectTimeoutMs: 1000,
      keepaliveIntervalMs: 10_000,
      poolMaxPerHost: 1,
      poolIdleMs: 1000,
    },
    inventory: {},
    secrets: {},
  };
}
