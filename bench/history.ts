/**
 * History benchmark (issue #15 finding 4, issue #17's target): one simple incident — diagnose,
 * approve, remediate (with its verify), resolve, report — on the Temporal dev server with the
 * real worker and activities (local transport), then its workflow history measured: events, bytes
 * (the protobuf Temporal stores) and which event types hold them. Targets: ≤ 25 KB, ≤ 40 events.
 *
 *   npm run bench:history -- [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { validateRunbook } from '../frontend/validator';
import { createMailer } from '../services/notify/mailer';
import { parseOnCall } from '../services/oncall';
import { createDevServerEnv } from '../test/support/temporal';
import { startWorker } from '../worker';
import { bundleWorkflows } from '../worker/bundle';
import { approveUpdate, stateQuery } from '../workflows/definitions';
import { incidentWorkflowV2 } from '../workflows/incident';
import { benchConfig } from './config';

const TARGET_BYTES = 25 * 1024;
const TARGET_EVENTS = 40;

const RUNBOOK = `apiVersion: firebreak/v1
kind: Runbook
metadata: { id: bench-history, title: Simple incident, service: bench, severity: P2, owners: [alice] }
trigger: { match: { alertname: BenchHistory } }
targets: { here: { transport: local, hosts: [localhost] } }
diagnostics:
  - id: disk
    run: df -P /tmp | tail -1
    extract: { used: { regex: "(\\\\d+)%", type: number } }
remediations:
  - id: cleanup
    run: "true"
    destructive: true
    approval: required
    verify: { run: "true", attempts: 1, interval: 1s }
resolution: { mode: verify }
`;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  return v !== undefined && Number.isInteger(v) && v > 0 ? v : def;
}

type History = temporal.api.history.v1.IHistory;

/** Bytes per event type, largest first. */
function breakdown(history: History): string[] {
  const by = new Map<string, { n: number; bytes: number }>();
  for (const e of history.events ?? []) {
    const base = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    const type = activity ? `${base} (${activity})` : base;
    const bytes = temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
    const cur = by.get(type) ?? { n: 0, bytes: 0 };
    by.set(type, { n: cur.n + 1, bytes: cur.bytes + bytes });
  }
  return [...by.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(
      ([t, v]) =>
        `    ${t.replace(/^EVENT_TYPE_/, '').padEnd(40)} ${String(v.n).padStart(3)} events ${(v.bytes / 1024).toFixed(1).padStart(6)} KB`,
    );
}

/** The event types in order, abbreviated (WT = workflow task, AT = activity task), runs collapsed. */
function order(history: History): string {
  const names = (history.events ?? []).map((e) =>
    (temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? '?')
      .replace(/^EVENT_TYPE_/, '')
      .replace(/^WORKFLOW_TASK_/, 'WT_')
      .replace(/^ACTIVITY_TASK_/, 'AT_')
      .replace(/^WORKFLOW_EXECUTION_/, 'WE_'),
  );
  return names.join(' ');
}

async function main(): Promise<void> {
  const runs = arg('runs', 3);
  const home = mkdtempSync(path.join(tmpdir(), 'fb-bench-history-'));
  process.stderr.write('bench:history starting the Temporal dev server and a worker...\n');
  const env = await createDevServerEnv();
  const cfg = benchConfig(home, 'bench-history', 'http://127.0.0.1:8680');
  const oncall = parseOnCall(
    'apiVersion: firebreak/v1\nkind: OnCall\npeople:\n  - { id: alice, name: Alice, email: alice@example.com }\n',
    'bench-oncall.yaml',
  );
  const worker = await startWorker(cfg, {
    connection: env.nativeConnection,
    // The bundle as the worker ships it (with its preloaded modules), not the tests' plain one.
    workflowBundle: await bundleWorkflows(),
    activityDeps: { oncall, mailer: createMailer(cfg.mail, { log: () => undefined }) },
  });
  const plan = validateRunbook(RUNBOOK, 'bench-history.yaml').plan;
  if (!plan) throw new Error('the bench runbook does not validate');
  const sizes: { events: number; bytes: number; history: History }[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const incidentId = `incident-bench-history-${Date.now().toString(36)}-${i}`;
      const handle = await env.client.workflow.start(incidentWorkflowV2, {
        taskQueue: cfg.temporal.taskQueue,
        workflowId: incidentId,
        args: [
          {
            incidentId,
            plan,
            receivedAt: new Date().toISOString(),
            links: { incidentBaseUrl: 'http://127.0.0.1:8680/v1/incidents' },
            alert: {
              status: 'firing',
              labels: { alertname: 'BenchHistory', instance: 'host-1', severity: 'warning' },
              annotations: { summary: 'disk filling up on host-1' },
              startsAt: new Date().toISOString(),
              generatorURL: 'http://prometheus.example/graph',
              fingerprint: `bh${i}`,
              source: 'alertmanager',
            },
          },
        ],
      });
      for (let k = 0; k < 600; k++) {
        const s = await handle.query(stateQuery);
        if (s.pendingApprovals.length > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await handle.executeUpdate(approveUpdate, {
        args: [{ stepId: 'cleanup', actor: { person: 'alice', channel: 'api' } }],
      });
      const final = await handle.result();
      if (final.status !== 'resolved') throw new Error(`incident ended ${final.status}`);
      const history = await handle.fetchHistory();
      const bytes = temporal.api.history.v1.History.encode(history).finish().length;
      sizes.push({ events: history.events?.length ?? 0, bytes, history });
    }
  } finally {
    await worker.shutdown();
    await env.teardown();
    rmSync(home, { recursive: true, force: true });
  }
  const last = sizes[sizes.length - 1]!;
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  process.stdout.write(
    [
      'bench:history — one simple incident (diagnose, approve, remediate + verify, resolve, report)',
      ...sizes.map((s, i) => `  run ${i + 1}: ${s.events} events, ${kb(s.bytes)}`),
      `  history per simple incident: ${last.events} events (target ≤ ${TARGET_EVENTS}), ${kb(last.bytes)} (target ≤ ${kb(TARGET_BYTES)})`,
      `  in order (last run): ${order(last.history)}`,
      '  by event type (last run):',
      ...breakdown(last.history),
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:history failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
