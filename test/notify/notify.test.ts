import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { simpleParser } from 'mailparser';
import { createNotifyActivities } from '../../activities/notify';
import { ApprovalLinkError, createMailer, signApproval, verifyApproval } from '../../services/notify';
import { config, state } from '../intake/support/fixtures';
import { startSmtp } from '../intake/support/smtp';

const KEY = 'k'.repeat(32);

describe('signed approval links', () => {
  const claims = {
    incidentId: 'inc-1',
    stepId: 'terminate',
    person: 'dave',
    decision: 'approve' as const,
    expiresAt: Date.now() + 60_000,
  };

  it('round-trips every bound claim with a fresh nonce each time', () => {
    const a = signApproval(KEY, claims);
    const b = signApproval(KEY, claims);
    expect(a).not.toBe(b);
    const v = verifyApproval(KEY, a);
    expect(v).toMatchObject(claims);
    expect(v.nonce).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('refuses a token whose payload was altered (e.g. decision flipped) as forged', () => {
    const token = signApproval(KEY, claims);
    const [body, sig] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    payload.d = 'r';
    const tampered = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    expect(() => verifyApproval(KEY, tampered)).toThrow(expect.objectContaining({ reason: 'forged' }));
    expect(() => verifyApproval('other-key', token)).toThrow(ApprovalLinkError);
  });

  it('refuses an expired token and a malformed one', () => {
    const token = signApproval(KEY, { ...claims, expiresAt: 1000 });
    expect(() => verifyApproval(KEY, token, 2000)).toThrow(expect.objectContaining({ reason: 'expired' }));
    expect(() => verifyApproval(KEY, 'garbage')).toThrow(expect.objectContaining({ reason: 'malformed' }));
  });
});

describe('sendNotification', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fb-outbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers an approval mail per approver over real SMTP with signed approve and reject links', async () => {
    const smtp = await startSmtp();
    const mailer = createMailer({ smtpUrl: smtp.url, from: 'firebreak@example.com', outboxDir: dir });
    try {
      const cfg = config({ approvalSigningKey: KEY });
      const acts = createNotifyActivities({ mailer, config: cfg });
      const expiresAt = new Date(Date.now() + 600_000).toISOString();
      const res = await acts.sendNotification({
        kind: 'approval_needed',
        incidentId: 'incident-pg-connections-abc123',
        to: ['dave', 'alice'],
        state: state(),
        approval: { stepId: 'terminate', expiresAt },
      });
      expect(res.deliveries.map((d) => [d.to, d.ok])).toEqual([
        ['dave', true],
        ['alice', true],
      ]);
      const msgs = await smtp.waitFor(2);
      const dave = msgs.find((m) => m.subject?.includes('Approve'))!;
      const daveMail = msgs.find((m) => JSON.stringify(m.to).includes('dave@example.com'))!;
      expect(dave.subject).toContain('Terminate queries running over 10 minutes');
      const text = daveMail.text ?? '';
      const approve = /Approve: (\S+)/.exec(text)?.[1];
      const reject = /Reject:\s+(\S+)/.exec(text)?.[1];
      expect(approve).toMatch(/^http:\/\/127\.0\.0\.1:8080\/v1\/approvals\//);
      expect(String(daveMail.html)).toContain(approve!.replace(/&/g, '&amp;'));
      const claims = verifyApproval(KEY, approve!.split('/').pop()!);
      expect(claims).toMatchObject({ person: 'dave', decision: 'approve', stepId: 'terminate' });
      expect(verifyApproval(KEY, reject!.split('/').pop()!).decision).toBe('reject');
      expect(text).toContain('Count connections by state: succeeded');
      expect(text).toContain(
        'Temporal: http://127.0.0.1:8233/namespaces/default/workflows/incident-pg-connections-abc123',
      );
    } finally {
      mailer.close();
      await smtp.stop();
    }
  });

  it('throws a retryable error while SMTP is down and delivers once it is back', async () => {
    // Reserve a port, release it, and point the mailer at it: nothing listens there yet.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const mailer = createMailer(
      { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'firebreak@example.com', outboxDir: dir },
      { timeoutMs: 2000 },
    );
    const acts = createNotifyActivities({ mailer, config: config() });
    const input = { kind: 'opened' as const, incidentId: 'i-1', to: ['alice'], state: state() };
    try {
      const err = await acts.sendNotification(input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as { nonRetryable?: boolean }).nonRetryable).toBeUndefined();
      expect((err as Error).message).toContain('alice <alice@example.com>');
      const smtp = await startSmtp(port);
      try {
        const res = await acts.sendNotification(input);
        expect(res.deliveries).toEqual([expect.objectContaining({ to: 'alice', ok: true })]);
        expect((await smtp.waitFor(1))[0]?.subject).toContain('Incident opened');
      } finally {
        await smtp.stop();
      }
    } finally {
      mailer.close();
    }
  });

  it('writes .eml files to the outbox without SMTP and records unknown recipients as failed', async () => {
    const lines: string[] = [];
    const mailer = createMailer(
      { from: 'firebreak@example.com', outboxDir: dir },
      { log: (l) => lines.push(l) },
    );
    const acts = createNotifyActivities({ mailer, config: config() });
    const res = await acts.sendNotification({
      kind: 'resolved',
      incidentId: 'i-1',
      to: ['bob', 'mallory'],
      state: state({ status: 'resolved' }),
    });
    expect(res.deliveries).toEqual([
      expect.objectContaining({ to: 'bob', ok: true }),
      { to: 'mallory', email: '', ok: false, retryable: false, error: 'unknown recipient "mallory"' },
    ]);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const eml = readFileSync(path.join(dir, files[0]!), 'utf8');
    expect(eml).toContain('To: bob@example.com');
    expect(eml).toContain('Incident resolved');
    expect(lines[0]).toMatch(/bob@example\.com: \[Firebreak P1\] Incident resolved/);
  });

  it('escapes alert values in the HTML body', async () => {
    const lines: string[] = [];
    const mailer = createMailer({ from: 'f@example.com', outboxDir: dir }, { log: (l) => lines.push(l) });
    const acts = createNotifyActivities({ mailer, config: config() });
    const s = state();
    s.alert.annotations.summary = '<script>alert(1)</script>';
    await acts.sendNotification({ kind: 'opened', incidentId: 'i-1', to: ['bob'], state: s });
    const parsed = await simpleParser(readFileSync(path.join(dir, readdirSync(dir)[0]!)));
    expect(String(parsed.html)).not.toContain('<script>alert(1)</script>');
    expect(String(parsed.html)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
