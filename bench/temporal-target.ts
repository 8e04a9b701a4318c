/**
 * Which Temporal a benchmark runs against, chosen the same way by every benchmark:
 *
 * - `--address host:port` (or `TEMPORAL_ADDRESS`): an existing server or cluster, e.g. the
 *   docker-compose one or a multi-host cluster; `--namespace` (or `TEMPORAL_NAMESPACE`, default
 *   `default`) names the namespace, which must exist;
 * - `--cluster`: the real Temporal server on PostgreSQL that `npm test` provisions
 *   (test/support/temporal-cluster.ts), started for the run and removed after it;
 * - neither: the embedded dev server, with the engine's own flags (what `npm start` runs).
 */
import { NativeConnection } from '@temporalio/worker';
import { createDevServerEnv, quietRuntime } from '../test/support/temporal';
import { startTemporalCluster } from '../test/support/temporal-cluster';

/** A Temporal to benchmark against, with a native connection to it. */
export interface BenchTemporal {
  address: string;
  namespace: string;
  connection: NativeConnection;
  /** How the report names it. */
  label: string;
  teardown(): Promise<void>;
}

/** Options of {@link benchTemporal} other than argv: the dev server's database file and durability. */
export interface DevServerChoice {
  dbFile?: string;
  sync?: 'normal' | 'full';
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
}

/** The Temporal that `argv` and `env` choose (see the module comment). */
export async function benchTemporal(
  argv: string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
  dev: DevServerChoice = {},
): Promise<BenchTemporal> {
  quietRuntime();
  const address = option(argv, 'address') ?? env.TEMPORAL_ADDRESS;
  const namespace = option(argv, 'namespace') ?? env.TEMPORAL_NAMESPACE ?? 'default';
  if (address) {
    const connection = await NativeConnection.connect({ address });
    return {
      address,
      namespace,
      connection,
      label: `Temporal at ${address} (namespace ${namespace})`,
      teardown: () => connection.close(),
    };
  }
  if (argv.includes('--cluster')) {
    const cluster = await startTemporalCluster();
    const connection = await NativeConnection.connect({ address: cluster.address });
    return {
      address: cluster.address,
      namespace: cluster.namespace,
      connection,
      label: 'Temporal server 1.32.1 on PostgreSQL (one process, this machine)',
      async teardown() {
        await connection.close();
        await cluster.stop();
      },
    };
  }
  const server = await createDevServerEnv(dev.dbFile, dev.sync);
  return {
    address: server.address,
    namespace: server.namespace ?? 'default',
    connection: server.nativeConnection,
    label: `Temporal dev server (${dev.dbFile ? `SQLite file, WAL, synchronous=${dev.sync ?? 'normal'}` : 'in-memory SQLite'})`,
    teardown: () => server.teardown(),
  };
}
