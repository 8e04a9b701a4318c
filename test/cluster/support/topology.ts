/**
 * The cluster lane's topology: the real Temporal server on PostgreSQL (temporal-cluster.ts),
 * Mailpit as the SMTP relay, and Firebreak as an operator would run it on one machine — two
 * worker processes and two intake processes, each with its own FIREBREAK_HOME, sharing only what
 * the README says they must share (Temporal address and task queue, approval key, public URL,
 * runbooks, on-call file). Both workers are on machine `h1` (one $HOME: where local steps keep
 * their idempotency claims, and where the test runbooks append their effects).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startMailpit } from '../../support/mailpit';
import type { Mailpit } from '../../support/mailpit';
import { startTemporalCluster } from '../../support/temporal-cluster';
import type { TemporalCluster } from '../../support/temporal-cluster';
import type { FirebreakProcess } from './processes';
import { startIntakeProcess, startWorkerProcess } from './processes';

const ROOT = resolve(__dirname, '../../..');

/** The base URL people reach the intakes at: a load balancer, never one intake (nothing listens here). */
export const PUBLIC_URL = 'http://firebreak.cluster.test';

/** The task queue the lane's workers poll. */
export const QUEUE = 'firebreak-cluster-lane';

/** API tokens of the people in the repository's oncall.yaml (the intakes read them from the environment). */
export const TOKENS = { alice: 'tok-alice-cluster', erin: 'tok-erin-cluster' };

export interface Topology {
  cluster: TemporalCluster;
  mailpit: Mailpit;
  client: Client;
  intakes: [FirebreakProcess, FirebreakProcess];
  workers: FirebreakProcess[];
  /** Scratch root: homes, machines' $HOME directories. */
  dir: string;
  /** The $HOME of simulated machine `hostId` (created on first use). */
  machineHome(hostId: string): string;
  /** Starts one more worker process on machine `hostId`. */
  addWorker(name: string, hostId: string): Promise<FirebreakProcess>;
  stop(): Promise<void>;
}

export async function startTopology(): Promise<Topology> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-cluster-lane-'));
  const [cluster, mailpit] = await Promise.all([startTemporalCluster(), startMailpit()]);
  const connection = await Connection.connect({ address: cluster.address });
  const client = new Client({ connection, namespace: cluster.namespace });
  const shared: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
    FIREBREAK_TASK_QUEUE: QUEUE,
    FIREBREAK_RUNBOOKS: join(__dirname, '..', 'fixtures', 'runbooks'),
    FIREBREAK_ONCALL: join(ROOT, 'oncall.yaml'),
    FIREBREAK_APPROVAL_KEY: randomBytes(24).toString('hex'),
    FIREBREAK_PUBLIC_URL: PUBLIC_URL,
    SMTP_URL: `smtp://127.0.0.1:${mailpit.smtpPort}`,
    FIREBREAK_MAIL_FROM: 'Firebreak <firebreak@cluster.test>',
    FIREBREAK_TOKEN_ALICE: TOKENS.alice,
    FIREBREAK_TOKEN_ERIN: TOKENS.erin,
  };
  const machineHome = (hostId: string) => {
    const home = join(dir, 'machines', hostId);
    mkdirSync(home, { recursive: true });
    return home;
  };
  const workers: FirebreakProcess[] = [];
  const addWorker = async (name: string, hostId: string) => {
    const env = { ...shared, HOME: machineHome(hostId), FIREBREAK_HOST_ID: hostId };
    const w = await startWorkerProcess(name, join(dir, 'homes', name), env);
    workers.push(w);
    return w;
  };
  const intakes: FirebreakProcess[] = [];
  const stop = async () => {
    await Promise.all([...intakes, ...workers].map((p) => p.stop().catch(() => undefined)));
    await connection.close().catch(() => undefined);
    await Promise.all([cluster.stop(), mailpit.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([addWorker('w1', 'h1'), addWorker('w2', 'h1')]);
    for (const name of ['intake-a', 'intake-b']) {
      intakes.push(
        await startIntakeProcess(name, join(dir, 'homes', name), { ...shared, HOME: machineHome('h1') }),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    cluster,
    mailpit,
    client,
    intakes: intakes as [FirebreakProcess, FirebreakProcess],
    workers,
    dir,
    machineHome,
    addWorker,
    stop,
  };
}
