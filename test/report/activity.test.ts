import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createReportActivities, reportFileStem } from '../../activities/report';
import type { ReportActivityDeps, ReportMailMessage } from '../../activities/report';
import { createMailer } from '../../services/notify/mailer';
import { renderReports } from '../../services/report';
import { SECRET, scriptedIncident } from './fixtures/incident-state';

const SECRET_ENV = 'FIREBREAK_TEST_REPORT_PG_PASSWORD';

interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

/** A real SMTP server on loopback that keeps what it receives; optionally refuses a recipient with 550. */
async function startSmtp(
  refuse?: string,
): Promise<{ server: SMTPServer; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (refuse && address.address === refuse) {
        const err = Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 });
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        cb();
      });
    },
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, received };
}

function stopSmtp(server: SMTPServer): Promise<void> {
  return new Promise((res) => server.close(() => res()));
}

describe('writeReport activity', () => {
  let dir: string;

  beforeAll(() => {
    process.env[SECRET_ENV] = SECRET;
  });
  afterAll(() => {
    delete process.env[SECRET_ENV];
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-report-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function config(smtpUrl?: string): ReportActivityDeps['config'] {
    return {
      reportsDir: join(dir, 'reports'),
      mail: {
        from: 'firebreak@example.test',
        outboxDir: join(dir, 'outbox'),
        ...(smtpUrl ? { smtpUrl } : {}),
      },
      intake: {
        host: '127.0.0.1',
        port: 8080,
        publicUrl: 'http://127.0.0.1:8080',
        bodyLimitBytes: 1 << 20,
        tokens: {},
      },
      temporal: { namespace: 'default', taskQueue: 'firebreak', uiBaseUrl: 'http://127.0.0.1:8233' },
      secrets: { PG_PASSWORD: { env: SECRET_ENV }, MISSING: { env: 'FIREBREAK_TEST_REPORT_UNSET' } },
    };
  }

  it('writes the Markdown and HTML files, masked, and rewrites them identically on a retry', async () => {
    const sent: ReportMailMessage[] = [];
    const { writeReport } = createReportActivities({
      config: config(),
      mailer: { send: async (m) => (sent.push(m), { messageId: `<m${sent.length}@test>` }) },
    });
    const state = scriptedIncident();
    const first = await writeReport({ state, to: ['wang.fang', 'li.wei'] });
    expect(first).toEqual({
      markdownPath: join(dir, 'reports', `${state.id}.md`),
      htmlPath: join(dir, 'reports', `${state.id}.html`),
      emailed: true,
    });
    const markdown = readFileSync(first.markdownPath, 'utf8');
    const html = readFileSync(first.htmlPath, 'utf8');
    // The secret came from config.secrets (an env variable), not from the caller.
    expect(markdown).not.toContain(SECRET);
    expect(html).not.toContain(SECRET);
    expect(markdown).toContain('qcat:***@127.0.0.1');
    expect(html).toContain(
      'href="http://127.0.0.1:8080/v1/incidents/incident-pg-connections-exhausted-3f2a9c1d0b7e4a55"',
    );
    const expected = renderReports(state, {
      secrets: [SECRET],
      links: {
        incidentBaseUrl: 'http://127.0.0.1:8080/v1/incidents',
        temporalUiBaseUrl: 'http://127.0.0.1:8233',
        temporalNamespace: 'default',
      },
    });
    expect(markdown).toBe(expected.markdown);
    expect(html).toBe(expected.html);

    const second = await writeReport({ state, to: ['wang.fang', 'li.wei'] });
    expect(second).toEqual(first);
    expect(readFileSync(first.markdownPath, 'utf8')).toBe(markdown);
    expect(sent[0]?.to).toBe('wang.fang@example.test, li.wei@example.test');
  });

  it('mails the report through a real SMTP server with the HTML body and the Markdown attached', async () => {
    const smtp = await startSmtp();
    try {
      const mailer = createMailer(config(`smtp://127.0.0.1:${smtp.port}`).mail, { log: () => undefined });
      const { writeReport } = createReportActivities({ config: config(), mailer });
      const state = scriptedIncident();
      const result = await writeReport({ state, to: ['wang.fang', 'li.wei'] });
      mailer.close();
      expect(result.emailed).toBe(true);
      expect(smtp.received).toHaveLength(1);
      const mail = smtp.received[0];
      if (!mail) throw new Error('no mail received');
      expect(mail.to.sort()).toEqual(['li.wei@example.test', 'wang.fang@example.test']);
      expect(mail.raw.toString('utf8')).not.toContain(SECRET);
      // mailparser ships no typings for attachments; the fields used here are stable.
      const parsed = (await simpleParser(mail.raw)) as unknown as {
        subject?: string;
        html: string | false;
        text?: string;
        headers: Map<string, unknown>;
        attachments: { filename?: string; contentType: string; content: Buffer }[];
      };
      expect(parsed.subject).toBe(
        '[Firebreak] Post-incident report: PostgreSQL connection pool exhausted (P1, resolved)',
      );
      expect(parsed.html).toBe(readFileSync(result.htmlPath, 'utf8'));
      expect(parsed.html).toContain('<table id="timeline-table"');
      const attachment = parsed.attachments.find((a) => a.filename === `${state.id}.md`);
      expect(attachment?.contentType).toBe('text/markdown');
      expect(attachment?.content.toString('utf8')).toBe(readFileSync(result.markdownPath, 'utf8'));
      expect(parsed.headers.get('x-firebreak-incident')).toBe(state.id);
      for (const part of [parsed.html || '', parsed.text ?? '', attachment?.content.toString('utf8') ?? '']) {
        expect(part).not.toContain(SECRET);
      }
    } finally {
      await stopSmtp(smtp.server);
    }
  });

  it('throws a retryable error when SMTP is down, after writing the files', async () => {
    const smtp = await startSmtp();
    const port = smtp.port;
    await stopSmtp(smtp.server);
    const mailer = createMailer(config(`smtp://127.0.0.1:${port}`).mail, { timeoutMs: 2000 });
    const { writeReport } = createReportActivities({ config: config(), mailer });
    const state = scriptedIncident();
    let caught: unknown;
    try {
      await writeReport({ state, to: ['li.wei'] });
    } catch (e) {
      caught = e;
    }
    mailer.close();
    expect(caught).toBeInstanceOf(Error);
    expect(caught).not.toBeInstanceOf(ApplicationFailure);
    expect((caught as Error).message).toContain('not mailed to li.wei@example.test');
    expect(existsSync(join(dir, 'reports', `${state.id}.md`))).toBe(true);
    expect(existsSync(join(dir, 'reports', `${state.id}.html`))).toBe(true);
  });

  it('returns emailed false without retrying when SMTP refuses the recipient for good', async () => {
    const smtp = await startSmtp('li.wei@example.test');
    try {
      const mailer = createMailer(config(`smtp://127.0.0.1:${smtp.port}`).mail);
      const { writeReport } = createReportActivities({ config: config(), mailer });
      const result = await writeReport({ state: scriptedIncident(), to: ['li.wei'] });
      mailer.close();
      expect(result.emailed).toBe(false);
      expect(result.error).toMatch(/^report mail refused: .*550/u);
      expect(smtp.received).toHaveLength(0);
    } finally {
      await stopSmtp(smtp.server);
    }
  });

  it('writes the files and reports why when nobody can be mailed', async () => {
    const { writeReport } = createReportActivities({
      config: config(),
      mailer: { send: () => Promise.reject(new Error('must not be called')) },
    });
    await expect(writeReport({ state: scriptedIncident(), to: [] })).resolves.toMatchObject({
      emailed: false,
      error: 'no report recipients',
    });
    await expect(writeReport({ state: scriptedIncident(), to: ['nobody'] })).resolves.toMatchObject({
      emailed: false,
      error: 'no email address for nobody',
    });
  });

  it('keeps report files inside the reports directory whatever the incident id', async () => {
    expect(reportFileStem('incident-a/../../etc/passwd')).toBe('incident-a_.._.._etc_passwd');
    expect(reportFileStem('../escape')).toBe('__escape');
    const { writeReport } = createReportActivities({
      config: config(),
      mailer: { send: async () => ({ messageId: 'x' }) },
    });
    await expect(writeReport({ state: { ...scriptedIncident(), id: '' }, to: [] })).rejects.toMatchObject({
      type: 'InvalidReportState',
      nonRetryable: true,
    });
    expect(() => reportFileStem('x'.repeat(300))).toThrow(
      expect.objectContaining({ type: 'UnsafeReportPath' }),
    );
    const ok = await writeReport({ state: { ...scriptedIncident(), id: 'incident-x/y z' }, to: [] });
    expect(ok.markdownPath).toBe(join(dir, 'reports', 'incident-x_y_z.md'));
  });
});
