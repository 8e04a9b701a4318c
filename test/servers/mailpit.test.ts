/** Mailpit (test/support/mailpit.ts) receives what nodemailer sends and shows it through its API. */
import { createTransport } from 'nodemailer';
import { startMailpit } from '../support/mailpit';
import type { Mailpit } from '../support/mailpit';
import { describeProvisioned } from '../support/provisioned';

describeProvisioned(['mailpit.sh'], 'Mailpit', () => {
  let mailpit: Mailpit | undefined;

  beforeAll(async () => {
    mailpit = await startMailpit();
  }, 60_000);

  afterAll(async () => {
    await mailpit?.stop();
  });

  async function send(subject: string, text: string): Promise<void> {
    const transport = createTransport({
      host: '127.0.0.1',
      port: mailpit!.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    try {
      await transport.sendMail({
        from: '"Firebreak" <firebreak@example.test>',
        to: 'oncall@example.test',
        subject,
        text,
      });
    } finally {
      transport.close();
    }
  }

  it('receives a mail sent with nodemailer and serves its summary and body', async () => {
    await send('disk full on db-1', 'Runbook disk-full started.\n');
    const [summary] = await mailpit!.waitForMessages(1);
    expect(summary).toMatchObject({
      Subject: 'disk full on db-1',
      From: { Name: 'Firebreak', Address: 'firebreak@example.test' },
      To: [{ Name: '', Address: 'oncall@example.test' }],
    });
    const message = await mailpit!.getMessage(summary!.ID);
    expect(message.Text.trim()).toBe('Runbook disk-full started.');
    expect(message.Subject).toBe('disk full on db-1');
  });

  it('lists nothing after deleteAll', async () => {
    await send('to be deleted', 'gone soon\n');
    expect((await mailpit!.waitForMessages(1)).length).toBeGreaterThan(0);
    await mailpit!.deleteAll();
    expect(await mailpit!.listMessages()).toEqual([]);
  });
});
