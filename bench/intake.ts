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
 *   npm run bench:intake -- [--deliveries 5000] [--fingerprints 200] [--concurrency 32] [--ssh-runs 30] [--skip-ssh]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from '@temporalio/client';
import type { FirebreakConfig } from '../config/types';
import type { IncidentState } from '../incident/types';
import { libraryFromPlans, startIntake } from '../intake';
import { createMailer } from '../notify/mailer';
import { parseOnCall } from '../oncall';
import type { CommandStep, Plan } from '../plan/types';
import { startSshd } from '../test/support/services';
import { createDevServerEnv, workflowBundle } from '../test/support/temporal';
import { startWorker } from '../worker';
import { INCIDENT_WORKFLOW, incidentWorkflowId, stateQuery } from '../workflows/definitions';
import { payload } from './intake-load';
import type { LoadResult, LoadSpec } from './intake-load';

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

async function main(): Promise<void> {
  const deliveries = arg('deliveries', 5000);
  const fingerprints = arg('fingerprints', 200);
  const concurrency = arg('concurrency', 32);
  const home = mkdtempSync(path.join(tmpdir(), 'fb-bench-'));
  process.stderr.write('bench:intake starting the Temporal dev server...\n');
  const env = await createDevServerEnv();
  const taskQueue = 'bench-intake';
  const config: FirebreakConfig = {
    home,
    runbooksDir: home,
    oncallFile: path.join(home, 'oncall.yaml'),
    temporal: { namespace: 'default', taskQueue },
    intake: {
      host: '127.0.0.1',
      port: 0,
      publicUrl: 'http://127.0.0.1',
      bodyLimitBytes: 1 << 20,
      tokens: {},
    },
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
  const startLatencies: number[] = [];
  // A client over the SDK's native (Rust) connection: measurably cheaper per call than grpc-js.
  const client = new Client({ connection: env.nativeConnection });
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

    const fps = Array.from({ length: fingerprints }, (_, i) => `fp${i.toString(16).padStart(6, '0')}`);
    // The load runs on its own thread (own event loop) so it does not steal the intake's.
    const t0 = performance.now();
    const load = await new Promise<LoadResult>((resolve, reject) => {
      const w = new Worker(path.join(__dirname, 'intake-load.ts'), {
        workerData: { url, fps, deliveries, concurrency } satisfies LoadSpec,
      });
      w.once('message', (m: LoadResult) => resolve(m));
      w.once('error', reject);
    });
    const seconds = (performance.now() - t0) / 1000;
    const { http, started, signalled, failed } = load;

    // Read back: exactly one run per fingerprint, and every delivery is in some history.
    let runs = 0;
    let inputs = 0;
    let signals = 0;
    for (const fp of fps) {
      const handle = client.workflow.getHandle(`incident-bench-${fp}`);
      const history = await handle.fetchHistory();
      runs++;
      for (const e of history.events ?? []) {
        if (e.workflowExecutionStartedEventAttributes) inputs++;
        if (e.workflowExecutionSignaledEventAttributes) signals++;
      }
    }
    const count = await client.workflow.count(
      `WorkflowType = '${INCIDENT_WORKFLOW}' AND WorkflowId STARTS_WITH 'incident-bench-fp'`,
    );

    const sshLines = process.argv.includes('--skip-ssh')
      ? ['  receipt → ssh cmd   skipped (--skip-ssh)']
      : await sshPhase(env, config, client, arg('ssh-runs', 30));
    const lines = [
      `bench:intake  ${deliveries} deliveries over ${fingerprints} fingerprints, ${concurrency} concurrent clients`,
      `  accepted            ${(deliveries / seconds).toFixed(0)} alerts/s (${seconds.toFixed(2)} s, ${failed} non-202)`,
      `  http 202 latency    p50 ${fmt(pct(http, 50))}  p99 ${fmt(pct(http, 99))}  max ${fmt(Math.max(...http))}`,
      `  receipt → started   p50 ${fmt(pct(startLatencies.slice(1), 50))}  p99 ${fmt(pct(startLatencies.slice(1), 99))}  (${startLatencies.length - 1} starts)`,
      `  incidents           ${started} started by the intake, ${count.count} in visibility (eventual), ${runs} histories with ${inputs} starts`,
      `  deliveries          ${started} as workflow input + ${signals} signals = ${started + signals} (expected ${deliveries}); intake said ${signalled} signalled`,
      `  verdict             ${inputs === fingerprints && started + signals === deliveries ? 'counts add up' : 'COUNTS DO NOT ADD UP'}`,
      ...sshLines,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (inputs !== fingerprints || started + signals !== deliveries) process.exitCode = 1;
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
  env: Awaited<ReturnType<typeof createDevServerEnv>>,
  base: FirebreakConfig,
  client: Client,
  runs: number,
): Promise<string[]> {
  process.stderr.write('bench:intake starting sshd and a worker for the end-to-end phase...\n');
  const fleet = await startSshd(1);
  const port = fleet.instances[0]?.port as number;
  const config: FirebreakConfig = {
    ...base,
    temporal: { ...base.temporal, taskQueue: 'bench-ssh' },
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
    connection: env.nativeConnection,
    workflowBundle: await workflowBundle(),
    activityDeps: { oncall, mailer: createMailer(config.mail, { log: () => undefined }) },
  });
  const p = sshPlan(port, fleet.user.name);
  const intake = await startIntake(config, { client, library: libraryFromPlans([p]) });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < runs + 1; i++) {
      const fp = `ssh${i}`;
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
