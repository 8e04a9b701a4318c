/**
 * A whole engine for console tests, in this process: a Temporal dev server, a worker with the real
 * activities (local commands, mail over real SMTP to Mailpit, the report written to disk), the real
 * on-call resolver over a small on-call file with person tokens, and the intake with its console.
 * The runbook cleans old logs in a scratch directory behind an approval, like the demo.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../activities';
import { libraryFromPlans, startIntake } from '../../../apps/intake';
import type { RunningIntake } from '../../../apps/intake';
import { loadLibrary } from '../../../frontend/library';
import { loadConfig } from '../../../services/config';
import type { FirebreakConfig } from '../../../services/config/types';
import { loadOnCall, loadPersonTokens } from '../../../services/oncall';
import { startWorker } from '../../../worker';
import type { RunningWorker } from '../../../worker';
import { startMailpit } from '../../support/mailpit';
import type { Mailpit } from '../../support/mailpit';
import { createDevServerEnv, freePort, workflowBundle } from '../../support/temporal';

/** Person tokens (alice approves; carol is a responder who may not approve; bob only reads). */
export const TOKENS = {
  alice: 'tok-alice-0123456789',
  carol: 'tok-carol-0123456789',
  bob: 'tok-bob-0123456789',
};

const ONCALL = `apiVersion: firebreak/v1
kind: OnCall
people:
  - { id: alice, name: Alice Primary, email: alice@example.com, token: { env: TOK_ALICE } }
  - { id: bob, name: Bob Bystander, email: bob@example.com, token: { env: TOK_BOB } }
  - { id: carol, name: Carol Manager, email: carol@example.com, token: { env: TOK_CAROL } }
teams:
  - { id: primary-oncall, members: [alice] }
  - { id: managers, members: [carol] }
chains:
  - name: default
    levels:
      - { name: primary, contacts: [primary-oncall] }
      - { name: manager, contacts: [managers] }
approvers:
  - contacts: [primary-oncall]
`;

function runbook(logdir: string): string {
  return `apiVersion: firebreak/v1
kind: Runbook
metadata:
  id: console-logs
  title: Old logs filling the disk
  service: webctp
  severity: P2
  owners: [primary-oncall]
trigger:
  match:
    alertname: DiskFillingUp
vars:
  logdir: ${logdir}
targets:
  here: { transport: local, hosts: [localhost] }
diagnostics:
  - id: old-logs
    title: Count log files older than 7 days
    target: here
    run: find {{ vars.logdir }} -type f -name '*.log*' -mtime +7 | wc -l
    extract: { count: { regex: "(\\\\d+)", type: number } }
remediations:
  - id: cleanup-logs
    title: Delete logs older than 7 days
    when: steps['old-logs'].values.count > 0
    target: here
    action: logs.cleanup
    with: { path: "{{ vars.logdir }}", older_than_days: 7 }
    approval: required
    verify:
      run: test "$(find {{ vars.logdir }} -type f -name '*.log*' -mtime +7 | wc -l)" -eq 0
      attempts: 2
      interval: 1s
escalation: { chain: default }
resolution: { mode: verify }
`;
}

/** Three logs from ten days ago (to be cleaned) and one from today. */
export function seedLogs(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const old = new Date(Date.now() - 10 * 86_400_000);
  for (const name of ['gateway.log.1', 'gateway.log.2', 'collector.log.1']) {
    writeFileSync(join(dir, name), 'stale\n'.repeat(100));
    utimesSync(join(dir, name), old, old);
  }
  writeFileSync(join(dir, 'gateway.log'), 'today\n');
}

export interface ConsoleEngine {
  url: string;
  config: FirebreakConfig;
  client: Client;
  env: TestWorkflowEnvironment;
  mailpit: Mailpit;
  home: string;
  logdir: string;
  /** Fires the runbook's alert (fingerprint `fp`, extra labels) at the intake; returns the incident id it answers. */
  fire(fp: string, status?: 'firing' | 'resolved'): Promise<string>;
  stop(): Promise<void>;
}

export async function startConsoleEngine(taskQueue: string): Promise<ConsoleEngine> {
  const [env, mailpit] = await Promise.all([createDevServerEnv(), startMailpit()]);
  const home = mkdtempSync(join(tmpdir(), 'fb-console-'));
  const logdir = join(home, 'logs');
  seedLogs(logdir);
  mkdirSync(join(home, 'runbooks'));
  writeFileSync(join(home, 'runbooks', 'console-logs.yaml'), runbook(logdir));
  writeFileSync(join(home, 'oncall.yaml'), ONCALL);
  const port = await freePort();
  const vars = { TOK_ALICE: TOKENS.alice, TOK_BOB: TOKENS.bob, TOK_CAROL: TOKENS.carol };
  const config = loadConfig({
    FIREBREAK_HOME: home,
    FIREBREAK_TASK_QUEUE: taskQueue,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    FIREBREAK_PORT: String(port),
    FIREBREAK_RUNBOOKS: join(home, 'runbooks'),
    FIREBREAK_ONCALL: join(home, 'oncall.yaml'),
    SMTP_URL: `smtp://127.0.0.1:${mailpit.smtpPort}`,
    FIREBREAK_APPROVAL_KEY: 'console-test-approval-key-0123456789',
  });
  const oncall = loadOnCall(config.oncallFile);
  const library = loadLibrary(config.runbooksDir);
  if (library.plans.length !== 1)
    throw new Error(`runbook did not compile: ${JSON.stringify(library.diagnostics)}`);
  const worker: RunningWorker = await startWorker(config, {
    connection: env.nativeConnection,
    activities: createActivities({ config, oncall, log: () => undefined }),
    workflowBundle: await workflowBundle(),
  });
  const client = new Client({ connection: env.nativeConnection });
  const intake: RunningIntake = await startIntake(config, {
    client,
    library: libraryFromPlans(library.plans),
    tokens: loadPersonTokens(oncall, vars),
  });
  const url = intake.url;
  return {
    url,
    config,
    client,
    env,
    mailpit,
    home,
    logdir,
    async fire(fp, status = 'firing') {
      const res = await fetch(`${url}/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          alerts: [
            {
              status,
              fingerprint: fp,
              labels: { alertname: 'DiskFillingUp', service: 'webctp', instance: 'gw1:9100', host: 'gw1' },
              annotations: { summary: 'disk /var 93% full on gw1' },
            },
          ],
        }),
      });
      const body = (await res.json()) as { incidents: { id: string }[] };
      if (res.status !== 202) throw new Error(`alert refused: ${res.status} ${JSON.stringify(body)}`);
      return body.incidents[0]?.id ?? '';
    },
    async stop() {
      await intake.close();
      await worker.shutdown();
      await env.teardown();
      await mailpit.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
