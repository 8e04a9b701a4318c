/**
 * Outgoing mail: real SMTP when `SMTP_URL`/`mail.smtpUrl` is set; otherwise each message is
 * written as an `.eml` file to the outbox directory with a one-line console summary, so a demo
 * without a mail server still shows exactly what would have been sent.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import nodemailer from 'nodemailer';
import type { FirebreakConfig } from '../config/types';
import { MailDeliveryError } from './errors';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  /** Resolves when SMTP accepted the message (or the file was written); throws MailDeliveryError. */
  send(msg: MailMessage): Promise<{ messageId: string }>;
  close(): void;
  /** Human description for logs (never includes credentials). */
  readonly kind: 'smtp' | 'outbox';
}

export interface MailerOptions {
  log?: (line: string) => void;
  /** SMTP connection/greeting timeout; kept short so a dead server fails fast and Temporal retries. */
  timeoutMs?: number;
}

export function createMailer(mail: FirebreakConfig['mail'], opts: MailerOptions = {}): Mailer {
  const log = opts.log ?? ((line: string) => console.log(`firebreak: ${line}`));
  if (mail.smtpUrl) {
    const timeout = opts.timeoutMs ?? 10_000;
    const transport = nodemailer.createTransport(mail.smtpUrl, {
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 3,
    } as never);
    return {
      kind: 'smtp',
      async send(msg) {
        try {
          const info = (await transport.sendMail({ from: mail.from, ...msg })) as { messageId: string };
          return { messageId: info.messageId };
        } catch (err) {
          throw new MailDeliveryError([msg.to], err);
        }
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let seq = 0;
  return {
    kind: 'outbox',
    async send(msg) {
      try {
        const info = (await transport.sendMail({ from: mail.from, ...msg })) as {
          messageId: string;
          message: Buffer;
        };
        mkdirSync(mail.outboxDir, { recursive: true });
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const safeTo = msg.to.replace(/[^A-Za-z0-9@._-]/g, '_');
        const file = path.join(mail.outboxDir, `${stamp}-${process.pid}-${++seq}-${safeTo}.eml`);
        writeFileSync(file, info.message);
        log(`mail → ${msg.to}: ${msg.subject} (${file})`);
        return { messageId: info.messageId };
      } catch (err) {
        throw new MailDeliveryError([msg.to], err);
      }
    },
    close: () => transport.close(),
  };
}
