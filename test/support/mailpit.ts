/**
 * A real SMTP server for mail tests: Mailpit (built by scripts/provision/mailpit.sh) on free
 * loopback ports, with its HTTP API to read what arrived. Plain SMTP without auth or STARTTLS
 * (nodemailer: `{ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true }`).
 */
import { freePort } from './net';
import { httpOk, spawnDaemon, waitFor } from './daemon';
import { provisionedPaths } from './provisioned';
import { stopProcess } from './services';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An address as Mailpit's API returns it. */
export interface MailpitAddress {
  Name: string;
  Address: string;
}

/** One entry of `GET /api/v1/messages` (the fields tests use; Mailpit sends more). */
export interface MailpitSummary {
  ID: string;
  MessageID: string;
  From: MailpitAddress;
  To: MailpitAddress[];
  Cc: MailpitAddress[] | null;
  Subject: string;
  Created: string;
  Snippet: string;
  Attachments: number;
}

/** `GET /api/v1/message/{ID}`: the parsed mail (the fields tests use; Mailpit sends more). */
export interface MailpitMessage {
  ID: string;
  MessageID: string;
  From: MailpitAddress;
  To: MailpitAddress[];
  Cc: MailpitAddress[] | null;
  ReplyTo: MailpitAddress[] | null;
  Subject: string;
  Date: string;
  Text: string;
  HTML: string;
  Attachments: { PartID: string; FileName: string; ContentType: string; Size: number }[];
}

/** A running Mailpit; `stop()` kills it and removes its database. */
export interface Mailpit {
  smtpPort: number;
  /** Base URL of the UI and API, e.g. `http://127.0.0.1:40123`. */
  httpUrl: string;
  /** Newest first, as Mailpit lists them. */
  listMessages(): Promise<MailpitSummary[]>;
  getMessage(id: string): Promise<MailpitMessage>;
  /** Resolves with the list once it holds at least `count` messages. */
  waitForMessages(count: number, timeoutMs?: number): Promise<MailpitSummary[]>;
  deleteAll(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Mailpit on free loopback ports with its own database in a temp dir; `smtpPort` pins the
 * SMTP port (a test whose mailer was configured while the server was still down).
 */
export async function startMailpit(opts: { smtpPort?: number } = {}): Promise<Mailpit> {
  const [bin] = provisionedPaths('mailpit.sh');
  const dir = mkdtempSync(join(tmpdir(), 'fb-mailpit-'));
  const [smtpPort, httpPort] = [opts.smtpPort ?? (await freePort()), await freePort()];
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const args = ['--smtp', `127.0.0.1:${smtpPort}`, '--listen', `127.0.0.1:${httpPort}`];
  args.push('--database', join(dir, 'mailpit.db'), '--disable-version-check', '--smtp-disable-rdns');
  const daemon = spawnDaemon(bin ?? 'mailpit', args, join(dir, 'mailpit.log'));
  const stop = async () => {
    await stopProcess(daemon.proc);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('Mailpit', () => httpOk(`${httpUrl}/readyz`), 30_000, daemon);
  } catch (e) {
    await stop();
    throw e;
  }
  const listMessages = async () => (await api<{ messages: MailpitSummary[] }>(httpUrl, 'messages')).messages;
  return {
    smtpPort,
    httpUrl,
    listMessages,
    getMessage: (id) => api<MailpitMessage>(httpUrl, `message/${encodeURIComponent(id)}`),
    async waitForMessages(count, timeoutMs = 10_000) {
      let seen: MailpitSummary[] = [];
      const probe = async () => (seen = await listMessages()).length >= count;
      await waitFor(`${count} message(s) in Mailpit`, probe, timeoutMs, daemon, 100);
      return seen;
    },
    async deleteAll() {
      await api(httpUrl, 'messages', 'DELETE');
    },
    stop,
  };
}

async function api<T>(base: string, path: string, method = 'GET'): Promise<T> {
  const res = await fetch(`${base}/api/v1/${path}`, { method, signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (!res.ok) throw new Error(`Mailpit ${method} /api/v1/${path}: HTTP ${res.status} ${body}`);
  return (body === '' || body === 'ok' ? undefined : JSON.parse(body)) as T;
}
