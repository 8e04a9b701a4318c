/**
 * A production-style Temporal cluster for tests: the real server (built by
 * scripts/provision/temporal-server.sh) with all four services in one process, persisting to a
 * PostgreSQL of its own (services.ts), schemas installed by temporal-sql-tool, a `default`
 * namespace created with the Temporal CLI. Unlike the dev server it can be SIGKILLed and
 * restarted on the same database, which is what crash-recovery tests need.
 */
import { freePort } from './net';
import { freePortBelow, spawnDaemon, waitFor } from './daemon';
import type { Daemon } from './daemon';
import { provisionedPaths } from './provisioned';
import { startPostgres, stopProcess } from './services';
import type { PostgresService } from './services';
import { ensureDevServerBinary } from '../../services/provision';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Extra settings for {@link startTemporalCluster}. */
export interface TemporalClusterOptions {
  /** Namespace created at start; default `default`. */
  namespace?: string;
  /** Dynamic config, key → value (each written as one unconstrained value). */
  dynamicConfig?: Record<string, unknown>;
}

/** A running cluster; `address` stays the same across `kill()` and `restart()`. */
export interface TemporalCluster {
  /** Frontend gRPC address, `127.0.0.1:port`. */
  address: string;
  namespace: string;
  /** The cluster's PostgreSQL (databases `temporal` and `temporal_visibility`). */
  postgres: PostgresService;
  /** The server's config file and its log (`server.log`) live here. */
  dir: string;
  /** Stops the server gracefully, then PostgreSQL, and removes every file. */
  stop(): Promise<void>;
  /** SIGKILLs the server (a crash); PostgreSQL keeps running. Resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts the server again on the same config and database (stopping it first if running); resolves when SERVING. */
  restart(): Promise<void>;
}

/** The ports one server process uses: gRPC from anywhere, membership below 32768 (smallint column). */
export interface ClusterPorts {
  grpc: Record<TemporalService, number>;
  membership: Record<TemporalService, number>;
}
export type TemporalService = 'frontend' | 'history' | 'matching' | 'worker';
const SERVICES: TemporalService[] = ['frontend', 'history', 'matching', 'worker'];

/** The server's YAML config (JSON is valid YAML; the shape is Temporal's `config.Config`). */
export function temporalServerConfig(pgPort: number, ports: ClusterPorts, dynamicConfigFile: string): string {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${pgPort}`,
      connectProtocol: 'tcp',
      user: 'postgres',
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const services = Object.fromEntries(
    SERVICES.map((s) => [
      s,
      { rpc: { grpcPort: ports.grpc[s], membershipPort: ports.membership[s], bindOnLocalHost: true } },
    ]),
  );
  const frontend = `127.0.0.1:${ports.grpc.frontend}`;
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'sql',
      visibilityStore: 'visibility',
      numHistoryShards: 4, // fixed forever once the schema is used; 4 is plenty for tests
      datastores: { sql: store('temporal', 20), visibility: store('temporal_visibility', 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
  return JSON.stringify(config, null, 2) + '\n';
}

async function allocatePorts(): Promise<ClusterPorts> {
  const grpc = {} as Record<TemporalService, number>;
  const membership = {} as Record<TemporalService, number>;
  for (const s of SERVICES) {
    grpc[s] = await freePort();
    membership[s] = await freePortBelow(32768);
  }
  return { grpc, membership };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const opts = { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 8 << 20 };
    execFile(bin, args, opts, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stderr}${stdout}`));
      else resolveRun(stdout);
    });
  });
}

/** Creates `temporal` and `temporal_visibility` and installs their versioned schemas. */
async function installSchemas(sqlTool: string, schemaDir: string, pgPort: number): Promise<void> {
  const env = {
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: '127.0.0.1',
    SQL_PORT: String(pgPort),
    SQL_USER: 'postgres',
    SQL_PASSWORD: '',
  };
  const dbs = [
    ['temporal', join(schemaDir, 'temporal', 'versioned')],
    ['temporal_visibility', join(schemaDir, 'visibility', 'versioned')],
  ] as const;
  await Promise.all(
    dbs.map(async ([db, versioned]) => {
      await run(sqlTool, ['--db', db, 'create-database'], env);
      await run(sqlTool, ['--db', db, 'setup-schema', '-v', '0.0'], env);
      await run(sqlTool, ['--db', db, 'update-schema', '-d', versioned], env);
    }),
  );
}

function dynamicConfigYaml(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}\n    constraints: {}\n`)
    .join('');
}

/** Starts PostgreSQL, installs the schemas, starts the server, creates the namespace, waits for SERVING. */
export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const [server, sqlTool, schemaDir] = provisionedPaths('temporal-server.sh');
  const cli = await ensureDevServerBinary();
  if (!server || !sqlTool || !schemaDir || !cli) {
    throw new Error(
      'the Temporal cluster needs temporal-server.sh and temporal-cli.sh provisioned (Go missing?)',
    );
  }
  const namespace = options.namespace ?? 'default';
  const postgres = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'fb-temporal-cluster-'));
  const ports = await allocatePorts();
  const address = `127.0.0.1:${ports.grpc.frontend}`;
  const configFile = join(dir, 'config.yaml');
  const dynamicConfigFile = join(dir, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, dynamicConfigYaml(options.dynamicConfig ?? {}));
  writeFileSync(configFile, temporalServerConfig(postgres.port, ports, dynamicConfigFile));
  let daemon: Daemon | undefined;
  const start = async () => {
    const args = ['--config-file', configFile, '--allow-no-auth', 'start'];
    daemon = spawnDaemon(server, args, join(dir, 'server.log'), dir);
    await waitUntilServing(cli, address, daemon);
  };
  const halt = async (graceMs: number) => {
    if (daemon) await stopProcess(daemon.proc, graceMs);
  };
  try {
    await installSchemas(sqlTool, schemaDir, postgres.port);
    await start();
    await createNamespace(cli, address, namespace, daemon);
  } catch (e) {
    await halt(5000);
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    address,
    namespace,
    postgres,
    dir,
    async stop() {
      await halt(10_000);
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      const proc = daemon?.proc;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await halt(10_000);
      await start();
    },
  };
}

/** Polls the frontend's gRPC health check (through the CLI) until it says SERVING. */
async function waitUntilServing(cli: string, address: string, daemon: Daemon): Promise<void> {
  const probe = async () =>
    (await run(cli, ['operator', 'cluster', 'health', '--address', address])).includes('SERVING');
  await waitFor(`Temporal server at ${address}`, probe, 90_000, daemon, 250);
}

/**
 * Registers the namespace, then waits until it can be used: services cache namespaces and a fresh
 * one is only visible to them after their registry has re-read it.
 */
async function createNamespace(cli: string, address: string, ns: string, daemon?: Daemon): Promise<void> {
  await run(cli, [
    'operator',
    'namespace',
    'create',
    '--namespace',
    ns,
    '--retention',
    '24h',
    '--address',
    address,
  ]);
  const usable = async () => {
    await run(cli, ['workflow', 'count', '--namespace', ns, '--address', address]);
    return true;
  };
  await waitFor(`namespace ${ns} on ${address}`, usable, 60_000, daemon, 250);
}
