/**
 * What the mails say, read back from a real SMTP server (Mailpit), for incidents run by the real
 * workflow on the time-skipping server with the real on-call resolver, mail and report activities:
 * the alert's identity in subject and body, the exact command and hosts of an approval request,
 * links to the console page, notices to one person combined into one mail, a withdrawn request
 * announced with its reason, `on_failure: escalate` paging at once, one escalation numbering,
 * approval links that expire with their request, and report mail reaching team owners.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createNotifyActivities } from '../../activities/notify';
import { createOnCallActivities } from '../../activities/oncall';
import { createReportActivities } from '../../activities/report';
import type { IncidentActivities, NotificationInput } from '../../activities/types';
import type { IncidentState } from '../../contracts/incident';
import type { Plan } from '../../contracts/plan';
import { createMailer, verifyApproval } from '../../services/notify';
import type { Mailer } from '../../services/notify';
import { parseOnCall } from '../../services/oncall';
import { alertSignal, closeUpdate, stateQuery } from '../../workflows/definitions';
import { incidentWorkflow } from '../../workflows/incident';
import { config } from '../intake/support/fixtures';
import { startMailpit } from '../support/mailpit';
import type { Mailpit, MailpitMessage } from '../support/mailpit';
import { describeProvisioned } from '../support/provisioned';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal';
import { hostResult } from '../workflow/support/fakes';
import { commandStep, makeAlert, makeInput, makePlan, remediation } from '../workflow/support/plans';

const ONCALL = `apiVersion: firebreak/v1
kind: OnCall
people:
  - { id: alice, name: Alice Primary, email: alice@example.com }
  - { id: bob, name: Bob Secondary, email: bob@example.com }
  - { id: dave, name: Dave DBA, email: dave@example.com }
teams:
  - { id: primary-oncall, members: [alice] }
  - { id: secondary-oncall, members: [bob] }
  - { id: dba-oncall, members: [dave, alice] }
chains:
  - name: default
    levels:
      - { name: primary, contacts: [primary-oncall] }
      - { name: secondary, contacts: [secondary-oncall] }
approvers:
  - contacts: [alice, bob]
`;

const PUBLIC = 'https://firebreak.example.com';
const taskQueue = 'mail-content';
const cfg = config({ intake: { ...config().intake, publicUrl: PUBLIC } });

let env: TestWorkflowEnvironment;
let mailpit: Mailpit;
let mailer: Mailer;
let worker: Worker;
let running: Promise<void>;
let reports: string;
/** Every notification activity input, to check what the activity is given. */
const inputs: NotificationInput[] = [];

const identity = {
  alertname: 'ServiceDown',
  service: 'qcat',
  instance: 'db1:5432',
  host: 'db1',
  severity: 'critical',
};

function plan(over: Partial<Plan> = {}): Plan {
  return makePlan(
    {
      runbook: {
        id: 'qcat-down',
        title: 'QCAT API down',
        service: 'generic',
        severity: 'P1',
        owners: ['primary-oncall'],
        file: 'qcat-down.yaml',
      },
      targets: {
        db: {
          name: 'db',
          transport: 'ssh',
          hosts: [{ mode: 'text', parts: [{ expr: 'labels.instance' }] }],
          concurrency: 4,
          failFast: false,
        },
      },
      escalation: {
        chain: 'default',
        levels: [],
        intervalMs: { P0: 300_000, P1: 900_000, P2: 3_600_000, P3: 14_400_000 },
        repeatLast: false,
      },
      ...over,
    },
    'P1',
  );
}

const restart = remediation('restart-api', '', {
  title: 'Restart the QCAT API',
  approval: 'required',
  approvalTimeoutMs: 20 * 60_000,
  run: commandStep('restart-api', '', {
    target: 'db',
    idempotent: false,
    command: {
      mode: 'shell',
      parts: [{ lit: 'systemctl restart ' }, { expr: 'labels.service' }, { lit: '-api' }],
    },
  }),
});

async function start(p: Plan, fp: string) {
  const input = makeInput(
    p,
    makeAlert({
      labels: identity,
      annotations: { summary: 'QCAT API is not answering on db1' },
      fingerprint: fp,
    }),
  );
  const handle = await env.client.workflow.start(incidentWorkflow, {
    args: [input],
    taskQueue,
    workflowId: input.incidentId,
  });
  return { handle, id: input.incidentId };
}

async function until(id: string, pred: (s: IncidentState) => boolean): Promise<IncidentState> {
  for (let i = 0; i < 300; i++) {
    const s = await env.client.workflow.getHandle(id).query(stateQuery);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not reached for ${id}`);
}

/** The mails of incident `id` to `email`, parsed by Mailpit, oldest first. */
async function mailsFor(id: string, email: string, atLeast: number): Promise<MailpitMessage[]> {
  for (let i = 0; i < 200; i++) {
    const found: MailpitMessage[] = [];
    for (const m of (await mailpit.listMessages()).reverse()) {
      if (!m.To.some((t) => t.Address === email)) continue;
      const full = await mailpit.getMessage(m.ID);
      if (full.Text.includes(id)) found.push({ ...full, Text: full.Text.replace(/\r\n/gu, '\n') });
    }
    if (found.length >= atLeast) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fewer than ${atLeast} mail(s) for ${id} to ${email}`);
}

describeProvisioned(['mailpit.sh'], 'mail content read back from Mailpit', () => {
  beforeAll(async () => {
    [env, mailpit] = await Promise.all([createTimeSkippingEnv(), startMailpit()]);
    reports = mkdtempSync(join(tmpdir(), 'fb-mail-reports-'));
    const smtp = {
      smtpUrl: `smtp://127.0.0.1:${mailpit.smtpPort}`,
      from: 'firebreak@example.com',
      outboxDir: reports,
    };
    mailer = createMailer(smtp, { log: () => undefined });
    const notify = createNotifyActivities({ mailer, config: cfg });
    const activities: IncidentActivities = {
      ...createOnCallActivities({ oncall: parseOnCall(ONCALL, 'oncall.yaml') }),
      sendNotification: async (input) => {
        inputs.push(input);
        return notify.sendNotification(input);
      },
      ...createReportActivities({
        config: { ...cfg, reportsDir: reports, mail: smtp },
        mailer,
        secrets: { names: () => [], get: async () => '' },
      }),
      // No queue of its own: local steps stay on the test's queue.
      pinLocalHost: async () => ({ hostId: 'mail-content' }),
      // Diagnostics "fail" on purpose (the on_failure test); remediations never run here.
      runCommand: async (i) => ({
        hosts: [hostResult(1, 'x'.repeat(60_000), { host: i.target.hosts[0] ?? 'db1', stderr: 'refused' })],
      }),
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
    if (reports) rmSync(reports, { recursive: true, force: true });
  });

  it('says what is down, shows the exact command and hosts, links the console, and combines notices per person', async () => {
    const { id } = await start(plan({ remediations: [restart] }), 'identity');
    await until(id, (s) =>
      s.timeline.some((t) => t.kind === 'notification_sent' && t.data.kind === 'approval_needed'),
    );
    const [alice] = await mailsFor(id, 'alice@example.com', 1);
    const [bob] = await mailsFor(id, 'bob@example.com', 1);
    // alice is on call (opened) and an approver (approval_needed): one mail with both.
    expect(alice!.Subject).toBe(
      '[Firebreak P1] Approve "Restart the QCAT API"? + Incident opened: ServiceDown service=qcat instance=db1:5432 host=db1 — QCAT API is not answering on db1',
    );
    expect(bob!.Subject).toMatch(
      /^\[Firebreak P1\] Approve "Restart the QCAT API"\?: ServiceDown service=qcat/u,
    );
    expect(alice!.Text).toContain('== Approval needed: Restart the QCAT API (restart-api) ==');
    expect(alice!.Text).toContain('== Incident opened ==');
    expect(alice!.Text).toContain("  Command: systemctl restart 'qcat'-api");
    expect(alice!.Text).toContain('  Where:     db — hosts: db1:5432');
    expect(alice!.Text).toMatch(
      / {2}service: {4}qcat\n {2}instance: {3}db1:5432\n {2}host: {7}db1\n {2}Summary: {4}QCAT API is not answering on db1/u,
    );
    expect(alice!.Text).toContain(`Incident: ${PUBLIC}/v1/incidents/${id}`);
    expect(alice!.HTML).toContain(`href="${PUBLIC}/v1/incidents/${id}"`);
    expect(alice!.HTML).toContain(
      '<pre style="background:#f4f4f4;padding:8px;white-space:pre-wrap">systemctl restart &#39;qcat&#39;-api</pre>',
    );

    // The link lives exactly as long as the request it answers (one truth, README: approval links).
    const s = await until(id, (x) => x.timeline.filter((t) => t.kind === 'notification_sent').length >= 2);
    const link = /Approve: (\S+)/u.exec(alice!.Text)?.[1] ?? '';
    expect(link.startsWith(`${PUBLIC}/v1/approvals/`)).toBe(true);
    const claims = verifyApproval(cfg.approvalSigningKey, link.split('/').pop()!);
    expect(claims.expiresAt).toBe(Date.parse(s.pendingApprovals[0]!.expiresAt));
    expect(alice!.Text).toContain(
      `Expires:   ${s.pendingApprovals[0]!.expiresAt} — the links work until then`,
    );
    const opened = s.timeline.find((t) => t.kind === 'notification_sent' && t.data.kind === 'opened');
    expect(opened?.message).toBe('opened sent to alice (one mail with approval_needed)');
    // Nothing else went out: one mail each.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await mailsFor(id, 'alice@example.com', 1)).toHaveLength(1);

    // The alert resolves before anyone decided: both approvers are told, with the reason.
    await env.client.workflow.getHandle(id).signal(alertSignal, {
      alert: makeAlert({ status: 'resolved', labels: identity, fingerprint: 'identity' }),
      receivedAt: new Date().toISOString(),
    });
    for (const email of ['alice@example.com', 'bob@example.com']) {
      const withdrawn = (await mailsFor(id, email, 2)).find((m) => m.Subject.includes('Approval withdrawn'));
      expect(withdrawn?.Subject).toMatch(/^\[Firebreak P1\] Approval withdrawn: ServiceDown service=qcat/u);
      expect(withdrawn?.Text).toContain('== Approval withdrawn: Restart the QCAT API (restart-api) ==');
      expect(withdrawn?.Text).toContain(
        'The request is withdrawn: the alert resolved (incident cancelled). Nothing was run',
      );
    }
  });

  it('pages the next level at once when a diagnostic with on_failure: escalate fails, numbered alike everywhere', async () => {
    const p = plan({
      diagnostics: [
        {
          parallel: false,
          steps: [{ step: commandStep('probe', 'pg_isready', { target: 'db' }), onFailure: 'escalate' }],
        },
      ],
    });
    const { id } = await start(p, 'diag-escalates');
    const s = await until(id, (x) =>
      x.timeline.some((t) => t.kind === 'notification_sent' && t.data.kind === 'escalated'),
    );
    const page = s.timeline.find((t) => t.kind === 'escalated')!;
    // Paged within seconds of the failure, not after the 15-minute P1 interval.
    expect(Date.parse(page.at) - Date.parse(s.startedAt)).toBeLessThan(60_000);
    expect(page.message).toBe('paged level 2 (secondary): diagnostic probe failed');
    const [bob] = await mailsFor(id, 'bob@example.com', 1);
    expect(bob!.Subject).toMatch(
      /^\[Firebreak P1\] Escalated to level 2 \(secondary\): ServiceDown service=qcat/u,
    );
    expect(bob!.Text).toContain('you are paged at escalation level 2 (secondary).');
    expect(bob!.Text).toContain('  Why:       diagnostic probe failed');
    expect(bob!.Text).toContain('  Escalation: level 2 (secondary)');
    // The activity gets what the mail needs, not the state: 60 KB of output become an excerpt.
    const given = inputs.filter((i) => i.incidentId === id);
    expect(given.length).toBeGreaterThan(0);
    for (const input of given) {
      expect(input).not.toHaveProperty('state');
      expect(JSON.stringify(input).length).toBeLessThan(6_000);
    }
    await env.client.workflow.getHandle(id).terminate('test done');
  });

  it('mails the report to the people of team owners and says nothing about missing addresses', async () => {
    const p = plan({ runbook: { ...plan().runbook, owners: ['dba-oncall'] } });
    const { id, handle } = await start(p, 'team-owners');
    await until(id, (x) => x.oncall !== undefined);
    await handle.executeUpdate(closeUpdate, {
      args: [{ actor: { person: 'alice', channel: 'cli' }, outcome: 'resolved' }],
    });
    const final = await handle.result();
    const written = final.timeline.find((t) => t.kind === 'report_written');
    expect(written?.data).toEqual({ emailed: true });
    expect(written?.message).not.toMatch(/no email address/u);
    const report = (await mailsFor(id, 'dave@example.com', 1)).find((m) =>
      m.Subject.includes('Post-incident report'),
    );
    expect(report?.To.map((t) => t.Address).sort()).toEqual(['alice@example.com', 'dave@example.com']);
    // It never escalated, and the report does not say it did.
    expect(report?.Text).not.toMatch(/was escalated/u);
  });
});
