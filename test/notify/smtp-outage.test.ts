/**
 * Pages are never dropped: SMTP is down when an incident opens and stays down well past the
 * ~14 s after which pages used to be given up. The real workflow on the time-skipping server keeps
 * its escalation schedule, records every failed attempt with its next try, and delivers the
 * opening page through a real SMTP server (Mailpit) once it comes up on the configured port.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createNotifyActivities } from '../../activities/notify';
import { createOnCallActivities } from '../../activities/oncall';
import type { IncidentActivities } from '../../activities/types';
import type { IncidentState, TimelineEntryOf } from '../../contracts/incident';
import { DEFAULT_ESCALATION_MS } from '../../contracts/plan';
import { createMailer } from '../../services/notify';
import type { Mailer } from '../../services/notify';
import { parseOnCall } from '../../services/oncall';
import { INCIDENT_WORKFLOW, closeUpdate, stateQuery } from '../../workflows/definitions';
import { alert, config, plan } from '../intake/support/fixtures';
import { startMailpit } from '../support/mailpit';
import type { Mailpit } from '../support/mailpit';
import { describeProvisioned } from '../support/provisioned';
import { inertCommandsAndReport } from '../support/stub-activities';
import { createTimeSkippingEnv, freePort, workflowBundle } from '../support/temporal';

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
let mailpit: Mailpit | undefined;
let smtpPort: number;
const taskQueue = 'notify-outage';

const failures = (s: IncidentState, kind: string): TimelineEntryOf<'notification_failed'>[] =>
  s.timeline.flatMap((t) => (t.kind === 'notification_failed' && t.data?.kind === kind ? [t] : []));

describeProvisioned(['mailpit.sh'], 'an SMTP outage', () => {
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    smtpPort = await freePort();
    mailer = createMailer(
      { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: 'firebreak@example.com', outboxDir: '/tmp/unused' },
      { timeoutMs: 2000, log: () => undefined },
    );
    const activities: IncidentActivities = {
      ...createOnCallActivities({ oncall: parseOnCall(ONCALL, 'oncall.yaml') }),
      ...createNotifyActivities({ mailer, config: config() }),
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
    await mailpit?.stop();
    await env?.teardown();
  });

  it('keeps retrying the opening page until SMTP is back, on the timeline, while escalation fires on time', async () => {
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
    const state = () => handle.query<IncidentState>(stateQuery);
    const until = async (pred: (s: IncidentState) => boolean, what: string) => {
      for (let i = 0; i < 300; i++) {
        const s = await state();
        if (pred(s)) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${what} not reached`);
    };

    // Nothing listens on the SMTP port: the first attempt fails and says when the next one goes.
    await until((s) => failures(s, 'opened').length >= 1, 'a first failure');
    // Two minutes of outage: far past the ~14 s after which the page used to be dropped.
    await env.sleep(120_000);
    const down = await state();
    const failed = failures(down, 'opened');
    expect(failed.length).toBeGreaterThanOrEqual(4);
    expect(failed.map((f) => f.data?.attempt)).toEqual(failed.map((_, i) => i + 1));
    for (const f of failed) {
      expect(f.message).toMatch(/^opened to alice not delivered \(attempt \d+\): .*; next try at /u);
      expect(Date.parse(f.data!.retryAt!)).toBeGreaterThan(Date.parse(f.at));
    }
    // The backoff grows (10 s, 20 s, 40 s, …), capped at a few minutes.
    const gaps = failed.slice(1).map((f, i) => Date.parse(f.at) - Date.parse(failed[i]!.at));
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
    expect(down.timeline.some((t) => t.kind === 'notification_sent')).toBe(false);

    mailpit = await startMailpit({ smtpPort });
    // Past the P0 interval: level 2 is paged on schedule despite the mail trouble.
    await env.sleep(DEFAULT_ESCALATION_MS.P0);
    const s = await until(
      (x) =>
        x.timeline.some((t) => t.kind === 'notification_sent' && t.data.kind === 'opened') &&
        x.timeline.some((t) => t.kind === 'notification_sent' && t.data.kind === 'escalated'),
      'both pages delivered',
    );
    const page2 = s.timeline.find((t) => t.kind === 'escalated')!;
    const sincePage = Date.parse(page2.at) - Date.parse(s.startedAt);
    expect(page2.message).toContain('level 2 (secondary)');
    expect(sincePage).toBeGreaterThanOrEqual(DEFAULT_ESCALATION_MS.P0);
    expect(sincePage).toBeLessThan(DEFAULT_ESCALATION_MS.P0 + 5_000);

    const mails = await mailpit.waitForMessages(2, 20_000);
    const subjectTo = (email: string) => mails.find((m) => m.To.some((t) => t.Address === email))?.Subject;
    expect(subjectTo('alice@example.com')).toMatch(/^\[Firebreak P0\] Incident opened: /u);
    expect(subjectTo('bob@example.com')).toMatch(/^\[Firebreak P0\] Escalated to level 2 \(secondary\): /u);

    await handle.executeUpdate(closeUpdate, {
      args: [{ actor: { person: 'alice', channel: 'cli' }, outcome: 'resolved' }],
    });
    expect((await handle.result()).status).toBe('resolved');
  });
});
