/**
 * SMTP down while an incident opens: the real workflow on the time-skipping server keeps its
 * escalation schedule, and the mail activity (real nodemailer against a real SMTP server that
 * comes up later) delivers once SMTP is back through Temporal's retries.
 */
import { inertCommandsAndReport } from '../support/stub-activities';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createNotifyActivities } from '../../activities/notify';
import { createOnCallActivities } from '../../activities/oncall';
import type { IncidentActivities } from '../../activities/types';
import type { IncidentState } from '../../contracts/incident';
import { createMailer } from '../../services/notify';
import type { Mailer } from '../../services/notify';
import { parseOnCall } from '../../services/oncall';
import { DEFAULT_ESCALATION_MS } from '../../contracts/plan';
import { INCIDENT_WORKFLOW, closeUpdate, stateQuery } from '../../workflows/definitions';
import { alert, config, plan } from '../intake/support/fixtures';
import { startSmtp } from '../intake/support/smtp';
import type { TestSmtp } from '../intake/support/smtp';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal';

const ONCALL = `apiVersion: firebreak/v1
kind: OnCall
people:
  - { id: alice, name: Alice, email: alice@example.com }
  - { id: bob, name: Bob, email: bob@example.com }
  - { id: carol, name: Carol, email: carol@example.com }
chains:
  - name: critical
    levels:
      - { name: primary, contacts: [alice] }
      - { name: secondary, contacts: [bob] }
      - { name: manager, contacts: [carol] }
`;

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let mailer: Mailer;
let smtp: TestSmtp | undefined;
let port: number;
let attempts = 0;
let failures = 0;
const taskQueue = 'notify-outage';

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  mailer = createMailer(
    { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'firebreak@example.com', outboxDir: '/tmp/unused' },
    { timeoutMs: 2000 },
  );
  const notify = createNotifyActivities({ mailer, config: config() });
  const activities: IncidentActivities = {
    ...createOnCallActivities({ oncall: parseOnCall(ONCALL, 'oncall.yaml') }),
    sendNotification: async (input) => {
      attempts++;
      try {
        return await notify.sendNotification(input);
      } catch (err) {
        failures++;
        throw err;
      }
    },
    ...inertCommandsAndReport(),
  };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
  });
  running = worker.run();
}, 240_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  mailer?.close();
  await smtp?.stop();
  await env?.teardown();
});

it('delivers the opening page after SMTP comes back while the P0 escalation still fires on time', async () => {
  const p = plan('smtp-outage');
  p.runbook.severity = 'P0';
  p.runbook.owners = ['alice'];
  p.remediations = [];
  p.notify = [];
  p.escalation = {
    chain: 'critical',
    levels: [],
    intervalMs: { ...DEFAULT_ESCALATION_MS },
    repeatLast: false,
  };
  p.resolution = { mode: 'human', timeoutMs: 600_000 };
  const id = 'incident-smtp-outage-1';
  const handle = await env.client.workflow.start(INCIDENT_WORKFLOW, {
    workflowId: id,
    taskQueue,
    args: [
      {
        incidentId: id,
        plan: p,
        alert: alert({ fingerprint: 'outage' }),
        receivedAt: new Date().toISOString(),
      },
    ],
  });

  // The opening page fails while nothing listens on the SMTP port.
  for (let i = 0; i < 200 && failures === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(failures).toBeGreaterThan(0);
  smtp = await startSmtp(port);

  // Skip past the P0 interval: level 2 is paged on schedule despite the mail trouble.
  await env.sleep(DEFAULT_ESCALATION_MS.P0 + 30_000);
  let s: IncidentState | undefined;
  for (let i = 0; i < 200; i++) {
    s = await handle.query(stateQuery);
    if (s.timeline.filter((t) => t.kind === 'notification_sent').length >= 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const startedMs = Date.parse(s!.startedAt);
  const page2 = s!.timeline.find((t) => t.kind === 'escalated');
  expect(page2?.message).toContain('secondary');
  expect(Date.parse(page2!.at) - startedMs).toBeGreaterThanOrEqual(DEFAULT_ESCALATION_MS.P0);
  expect(Date.parse(page2!.at) - startedMs).toBeLessThan(DEFAULT_ESCALATION_MS.P0 + 5_000);

  const mails = await smtp.waitFor(2);
  const to = (m: (typeof mails)[number]) => JSON.stringify(m.to);
  expect(mails.find((m) => to(m).includes('alice@example.com'))?.subject).toContain('Incident opened');
  expect(mails.find((m) => to(m).includes('bob@example.com'))?.subject).toContain('Incident escalated');
  expect(s!.timeline.filter((t) => t.kind === 'notification_failed')).toEqual([]);
  expect(attempts).toBeGreaterThan(failures);

  await handle.executeUpdate(closeUpdate, {
    args: [{ actor: { person: 'alice', channel: 'cli' }, outcome: 'resolved' }],
  });
  expect((await handle.result()).status).toBe('resolved');
});
