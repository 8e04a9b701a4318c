/**
 * Intake benchmark: a burst of Alertmanager deliveries over a set of fingerprints against the real
 * intake and a Temporal dev server. Prints accepted alerts/s, HTTP latency, and webhook receipt →
 * workflow started (p50/p99), then checks the counts add up: exactly one incident per fingerprint
 * and every other delivery signalled to it (read back from the workflow histories).
 *
 * Then (unless --skip-ssh) the end-to-end figure: webhook receipt → the first diagnostic command
 * starting on a loopback sshd target, with the real worker, workflow and SSH activity. The
 * command is `date +%s%3N`, so the target itself reports when it started.
 *
 * The burst is repeated (`--rounds`, fresh fingerprints each time) because this machine's shared
 * cores swing ±20% from one second to the next; the summary gives the median of rounds, and each
 * round is printed too. `--db-file` runs the server on a SQLite file (the engine's default)
 * instead of in memory (the dev server's default).
 *
 * The Temporal is chosen as every benchmark chooses it (bench/temporal-target.ts): the embedded
 * dev server by default, an existing server or cluster with `--address host:port` (or
 * TEMPORAL_ADDRESS), or the provisioned Temporal server on PostgreSQL with `--cluster`.
 *
 * Senders: 16 keep-alive clients (an HA pair of Alertmanagers flushing eight groups each), then
 * one contrast round with 32. A storm's first deliveries are all starts, which the dev server
 * (one SQLite connection) completes at ~500/s on this machine, so receipt → started grows with the
 * number of senders in flight (Little's law) while throughput gains little: the contrast round
 * shows it.
 *
 *   npm run bench:intake -- [--deliveries 5000] [--fingerprints 200] [--concurrency 16] [--rounds 3]
 *                           [--contrast 32 | --no-contrast] [--db-file [--sync-full]] [--ssh-runs 30] [--skip-ssh]
 *                           [--address host:port [--namespace NS] | --cluster]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from '@temporalio/client';
import type { FirebreakConfig } from '../services/config/types';
import type { IncidentState } from '../contracts/incident';
import { libraryFromPlans, startIntake } from '../apps/intake';
import { createMailer } from '../services/notify/mailer';
import { parseOnCall } from '../services/oncall';
import type { CommandStep, Plan } from '../contracts/plan';
import { startSshd } from '../test/support/services';
import { workflowBundle } from '../test/support/temporal';
import { startWorker } from '../worker';
import { INCIDENT_TYPE_FILTER, incidentWorkflowId, stateQuery } from '../workflows/definitions';
import { benchConfig } from './config';
import { payload } from './intake-load';
import type { LoadResult, LoadSpec } from './intake-load';
import { benchTemporal } from './temporal-target';
import type { BenchTemporal } from './temporal-target';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  return v !== undefined && Number.isInteger(v) && v > 0 ? v : def;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

const plan: Plan = {
  planVersion: 1,
  hash: 'bench',
  runbook: {
    id: 'bench',
    title: 'Bench runbook',
    service: 'bench',
    severity: 'P3',
    owners: ['alice'],
    file: 'bench.yaml',
  },
  trigger: { matchers: [{ label: 'alertname', op: 'eq', value: 'BenchAlert' }] },
  vars: {},
  targets: {},
  diagnostics: [],
  remediations: [],
  escalation: {
    levels: [['alice']],
    intervalMs: { P0: 300_000, P1: 900_000, P2: 3_600_000, P3: 14_400_000 },
    repeatLast: false,
  },
  notify: [],
  resolution: { mode: 'human', timeoutMs: 600_000 },
};

interface Round {
  seconds: number;
  load: LoadResult;
  starts: number[];
  inputs: number;
  signals: number;
  ok: boolean;
}

const median = (xs: number[]) => pct(xs, 50);

async function main(): Promise<void> {
  const deliveries = arg('deliveries', 5000);
  const fingerprints = arg('fingerprints', 200);
  const concurrency = arg('concurrency', 16);
  const rounds = arg('rounds', 3);
  const contrastClients = process.argv.includes('--no-contrast') ? 0 : arg('contrast', 32);
  const persistent = process.argv.includes('--db-file');
  const sync = process.argv.includes('--sync-full') ? 'full' : 'normal';
  const home = mkdtempSync(path.join(tmpdir(), 'fb-bench-'));
  process.stderr.write('bench:intake starting or connecting to Temporal...\n');
  // The dev server runs with the engine's own flags (engine/devserver.ts); --db-file adds its file.
  const env = await benchTemporal(process.argv, process.env, {
    ...(persistent ? { dbFile: path.join(home, 'temporal.db') } : {}),
    sync,
  });
  // A queue of its own per run: an existing cluster may hold earlier runs' incidents.
  const run = Date.now().toString(36);
  const taskQueue = `bench-intake-${run}`;
  const base = benchConfig(home, taskQueue);
  const config: FirebreakConfig = {
    ...base,
    temporal: { address: env.address, namespace: env.namespace, taskQueue },
  };
  let startLatencies: number[] = [];
  // A client over the SDK's native (Rust) connection: measurably cheaper per call than grpc-js.
  const client = new Client({ connection: env.connection, namespace: env.namespace });
  const intake = await startIntake(config, {
    client,
    library: libraryFromPlans([plan]),
    onIncidentStarted: (_id, ms) => startLatencies.push(ms),
  });
  try {
    const url = `${intake.url}/v1/alerts/alertmanager`;
    // Warm-up: one connection, one unrelated fingerprint (not counted).
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload('warmup', -1),
    });

    const runRound = async (r: string, clients: number): Promise<Round> => {
      // Each round is a fresh storm: new fingerprints, so its first deliveries are all starts.
      const fps = Array.from(
        { length: fingerprints },
        (_, i) => `${run}r${r}-fp${i.toString(16).padStart(6, '0')}`,
      );
      startLatencies = [];
      // The load runs on its own thread (own event loop) so it does not steal the intake's.
      const t0 = performance.now();
      const load = await new Promise<LoadResult>((resolve, reject) => {
        const w = new Worker(path.join(__dirname, 'intake-load.ts'), {
          workerData: { url, fps, deliveries, concurrency: clients } satisfies LoadSpec,
        });
        w.once('message', (m: LoadResult) => resolve(m));
        w.once('error', reject);
      });
      const seconds = (performance.now() - t0) / 1000;
      const starts = startLatencies;

      // Read back: exactly one run per fingerprint, and every delivery in its history exactly once:
      // each is a signal (a starting delivery comes as the start's own signal, signal-with-start).
      let inputs = 0;
      let signals = 0;
      for (const fp of fps) {
        const history = await client.workflow.getHandle(incidentWorkflowId('bench', fp)).fetchHistory();
        for (const e of history.events ?? []) {
          if (e.workflowExecutionStartedEventAttributes) inputs++;
          if (e.workflowExecutionSignaledEventAttributes) signals++;
        }
      }
      const ok = inputs === fingerprints && load.started === fingerprints && signals === deliveries;
      process.stderr.write(
        `  round ${r} (${clients} clients): ${(deliveries / seconds).toFixed(0)} alerts/s, receipt → started p99 ${fmt(pct(starts, 99))}\n`,
      );
      return { seconds, load, starts, inputs, signals, ok };
    };

    const results: Round[] = [];
    for (let r = 1; r <= rounds; r++) results.push(await runRound(String(r), concurrency));
    const contrast = contrastClients > 0 ? await runRound('x', contrastClients) : undefined;
    const count = await client.workflow.count(
      `${INCIDENT_TYPE_FILTER} AND WorkflowId STARTS_WITH 'incident-bench-${run}r'`,
    );

    const sshLines = process.argv.includes('--skip-ssh')
      ? ['  receipt → ssh cmd   skipped (--skip-ssh)']
      : await sshPhase(env, config, client, arg('ssh-runs', 30), run);
    const rate = (x: Round) => deliveries / x.seconds;
    const describe = (label: string, x: Round) =>
      `  ${label.padEnd(20)}${rate(x).toFixed(0)} alerts/s; http p50 ${fmt(pct(x.load.http, 50))} p99 ${fmt(pct(x.load.http, 99))}; receipt → started p50 ${fmt(pct(x.starts, 50))} p99 ${fmt(pct(x.starts, 99))}; ${x.load.failed} non-202; ${x.inputs} incidents (${x.load.started} answered started), ${x.signals} deliveries in history (${x.ok ? 'counts add up' : 'COUNTS DO NOT ADD UP'})`;
    const perRound = results.map((x, i) => describe(`round ${i + 1}`, x));
    const all = contrast ? [...results, contrast] : results;
    const lines = [
      `bench:intake  ${rounds} rounds of ${deliveries} deliveries over ${fingerprints} new fingerprints, ${concurrency} concurrent clients, ${env.label}, no worker polling`,
      ...perRound,
      `  accepted            ${median(results.map(rate)).toFixed(0)} alerts/s (median of rounds; min ${Math.min(...results.map(rate)).toFixed(0)})`,
      `  http 202 latency    p50 ${fmt(median(results.map((x) => pct(x.load.http, 50))))}  p99 ${fmt(median(results.map((x) => pct(x.load.http, 99))))}  (medians of rounds)`,
      `  receipt → started   p50 ${fmt(median(results.map((x) => pct(x.starts, 50))))}  p99 ${fmt(median(results.map((x) => pct(x.starts, 99))))}  (medians of rounds; worst round p99 ${fmt(Math.max(...results.map((x) => pct(x.starts, 99))))})`,
      ...(contrast
        ? [
            describe(`${contrastClients} clients`, contrast),
            `                      (contrast: a storm opens with starts only, so each start waits behind the others in flight: Little's law)`,
          ]
        : []),
      `  incidents           ${all.map((x) => x.inputs).join(' + ')} started (expected ${fingerprints} per round), ${count.count} in visibility (eventual)`,
      `  verdict             ${all.every((x) => x.ok) ? 'counts add up in every round' : 'COUNTS DO NOT ADD UP'}`,
      ...sshLines,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!all.every((x) => x.ok)) process.exitCode = 1;
  } finally {
    await intake.close();
    await env.teardown();
    rmSync(home, { recursive: true, force: true });
  }
}

function sshPlan(port: number, user: string): Plan {
  const step: CommandStep = {
    kind: 'command',
    id: 'clock',
    title: 'Target clock (first diagnostic)',
    target: 'db',
    command: { mode: 'shell', parts: [{ lit: 'date +%s%3N' }] },
    sudo: false,
    env: {},
    secrets: [],
    extract: [],
    success: 'exitCode == 0',
    timeoutMs: 10_000,
    retry: { maximumAttempts: 3, initialIntervalMs: 200, backoffCoefficient: 2, maximumIntervalMs: 2000 },
    idempotent: true,
    destructive: false,
    outputCapBytes: 4096,
  };
  return {
    ...plan,
    hash: 'bench-ssh',
    runbook: { ...plan.runbook, id: 'bench-ssh', title: 'Bench SSH runbook' },
    trigger: { matchers: [{ label: 'alertname', op: 'eq', value: 'BenchSsh' }] },
    targets: {
      db: {
        name: 'db',
        transport: 'ssh',
        hosts: [{ mode: 'text', parts: [{ lit: `127.0.0.1:${port}` }] }],
        user,
        concurrency: 1,
        failFast: false,
      },
    },
    diagnostics: [{ parallel: false, steps: [{ step, onFailure: 'continue' }] }],
  };
}

/** Sequential alerts, each timed from intake receipt to the target reporting its command start. */
async function sshPhase(
  env: BenchTemporal,
  base: FirebreakConfig,
  client: Client,
  runs: number,
  run: string,
): Promise<string[]> {
  process.stderr.write('bench:intake starting sshd and a worker for the end-to-end phase...\n');
  const fleet = await startSshd(1);
  const port = fleet.instances[0]?.port as number;
  const config: FirebreakConfig = {
    ...base,
    temporal: { ...base.temporal, taskQueue: `bench-ssh-${run}` },
    ssh: {
      ...base.ssh,
      knownHostsFile: fleet.knownHostsFile,
      privateKeyFile: fleet.clientKeyFile,
      connectTimeoutMs: 5000,
      poolMaxPerHost: 4,
      poolIdleMs: 60_000,
    },
  };
  const oncall = parseOnCall(
    'apiVersion: firebreak/v1\nkind: OnCall\npeople:\n  - { id: alice, name: Alice, email: alice@example.com }\n',
    'bench-oncall.yaml',
  );
  const worker = await startWorker(config, {
    connection: env.connection,
    workflowBundle: await workflowBundle(),
    activityDeps: { oncall, mailer: createMailer(config.mail, { log: () => undefined }) },
  });
  const p = sshPlan(port, fleet.user.name);
  const intake = await startIntake(config, { client, library: libraryFromPlans([p]) });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < runs + 1; i++) {
      const fp = `${run}ssh${i}`;
      const body = payload(fp, i).replace(/BenchAlert/g, 'BenchSsh');
      const res = await fetch(`${intake.url}/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      if (res.status !== 202) throw new Error(`intake answered ${res.status}`);
      const handle = client.workflow.getHandle(incidentWorkflowId('bench-ssh', fp));
      let s: IncidentState | undefined;
      for (let k = 0; k < 1000; k++) {
        s = await handle.query(stateQuery).catch(() => undefined);
        const host = s?.steps.find((x) => x.id === 'clock')?.hosts[0];
        if (host) {
          if (!host.ok) throw new Error(`diagnostic failed on the target: ${host.error ?? host.stderr}`);
          const startedOnTarget = Number(host.stdout.trim());
          const receivedAt = Date.parse(
            s?.timeline.find((t) => t.kind === 'alert_received')?.data?.receivedAt as string,
          );
          if (i > 0) latencies.push(startedOnTarget - receivedAt); // run 0 warms the SSH pool
          break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  } finally {
    await intake.close();
    await worker.shutdown();
    await fleet.stop();
  }
  return [
    `  receipt → ssh cmd   p50 ${fmt(pct(latencies, 50))}  p99 ${fmt(pct(latencies, 99))}  (${latencies.length} sequential incidents, real worker + loopback sshd, pool warm)`,
  ];
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:intake failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
