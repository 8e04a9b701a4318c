/**
 * `writeReport`: renders the post-incident report (report/), writes `<reportsDir>/<incident>.md`
 * and `.html`, and mails it (HTML body, Markdown attached) to the recipients. Files are written
 * first and rewritten whole on every attempt, so a retry after a mail failure is harmless.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { FirebreakConfig } from '../services/config/types';
import type { MailMessage } from '../services/notify/mailer';
import { createMailer } from '../services/notify/mailer';
import { unsafeReportPath } from '../services/report/errors';
import type { Masker, ReportOptions } from '../services/report';
import { combineMaskers, createMasker, renderReports } from '../services/report';
import { SecretStore } from '../services/secrets';
import { FAILURE_TYPES } from '../contracts/failures';
import type { IncidentState } from '../contracts/incident';
import type { IncidentActivities, WriteReportInput, WriteReportResult } from './types';
import { workflowIdOfIncident } from '../language/plan/context';

/** A mail with the Markdown report attached (nodemailer attachment fields). */
export interface ReportMailMessage extends MailMessage {
  attachments?: { filename: string; content: string; contentType: string }[];
}

/** The part of notify/'s `Mailer` the report needs; any `Mailer` from notify/mailer fits. */
export interface ReportMailer {
  send(msg: ReportMailMessage): Promise<{ messageId: string }>;
}

/** Where secret values to mask come from: secrets/' `SecretStore` fits. */
export interface SecretValues {
  names(): string[];
  get(name: string): Promise<string>;
}

export interface ReportActivityDeps {
  config: Pick<FirebreakConfig, 'reportsDir' | 'mail' | 'intake' | 'temporal' | 'secrets'>;
  /** Default: notify/'s mailer for `config.mail` (SMTP, or `.eml` files in the outbox). */
  mailer?: ReportMailer;
  /** An extra masker (a function, or an object with `mask`, such as secrets/' `Masker`). */
  masker?: Masker | { mask(text: string): string };
  /** Secret values to mask; default: every secret configured in `config.secrets` that resolves. */
  secrets?: SecretValues;
  /** Reads an incident's current state; default: a query through the worker's client (activity context). */
  stateOf?: (incidentId: string) => Promise<IncidentState>;
}

/** File-name stem for an incident id: kept when already safe, otherwise unsafe characters replaced. */
export function reportFileStem(incidentId: string): string {
  const stem = incidentId.replace(/[^A-Za-z0-9._-]/gu, '_').replace(/^\.+/u, '_');
  // No separators or leading dots survive, so the stem cannot leave the reports directory.
  if (stem === '' || stem.length > 200) throw unsafeReportPath(incidentId);
  return stem;
}

/** Writes a file whole or not at all (a reader never sees half a report). */
async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, 'utf8');
  await rename(tmp, file);
}

/**
 * SMTP 5xx: the address will never work; retrying the activity would only repeat the refusal.
 * notify/'s MailDeliveryError keeps only the message of nodemailer's error, so the reply code is
 * also read from the text (`550 5.1.1 …`).
 */
function isPermanentMailError(err: unknown): boolean {
  const e = (err ?? {}) as { cause?: { responseCode?: number }; responseCode?: number; message?: string };
  const code = e.cause?.responseCode ?? e.responseCode;
  if (typeof code === 'number') return code >= 500 && code < 600;
  return typeof e.message === 'string' && /\b5\d\d[ -]5\.\d{1,3}\.\d{1,3}\b/u.test(e.message);
}

/** The run that scheduled this activity, when it runs as an activity. */
function ownExecution(): { workflowId: string; runId: string } | undefined {
  try {
    return Context.current().info.workflowExecution;
  } catch {
    return undefined;
  }
}

/** The activity's own incident: its workflow id, when it runs as an activity. */
function ownWorkflowId(): string | undefined {
  return ownExecution()?.workflowId;
}

/** The incident workflow's state query (workflows/definitions.ts `stateQuery`). */
export const STATE_QUERY = 'state';

/** Queries the incident through the client of the worker running this activity, if there is one. */
function queryThroughWorker(): ReportActivityDeps['stateOf'] {
  let client: Client;
  try {
    client = Context.current().client;
  } catch {
    return undefined;
  }
  // By name: activities may not import workflows/ (the query is `stateQuery` in definitions.ts).
  // An incident id is not a workflow id (it carries the opening time): the incident is the run
  // this activity was scheduled by, so that exact run is queried when it is the one.
  return (id) => {
    const own = ownExecution();
    const workflowId = workflowIdOfIncident(id);
    const handle =
      own?.workflowId === workflowId
        ? client.workflow.getHandle(own.workflowId, own.runId)
        : client.workflow.getHandle(workflowId);
    return handle.query<IncidentState>(STATE_QUERY);
  };
}

/** The state to report: given in the input (older workflows), or read from the incident itself. */
async function stateFor(
  input: WriteReportInput,
  stateOf: ReportActivityDeps['stateOf'],
): Promise<IncidentState> {
  if (input.state) return input.state;
  const id = input.incidentId ?? ownWorkflowId();
  const read = stateOf ?? queryThroughWorker();
  if (!id || !read) {
    throw ApplicationFailure.nonRetryable(
      `writeReport for ${id ?? 'an unknown incident'}: no state given and no way to read it`,
      FAILURE_TYPES.invalidReportState,
    );
  }
  // A failed query (Temporal unreachable) is transient: a plain error, so the activity is retried.
  return read(id);
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/gu, ' ').slice(0, 200);
}

export function createReportActivities(deps: ReportActivityDeps): Pick<IncidentActivities, 'writeReport'> {
  const { config } = deps;
  // Built on first use (and deps.mailer read late) so a worker that never mails never opens SMTP.
  let defaultMailer: ReportMailer | undefined;
  const secrets = deps.secrets ?? new SecretStore(config.secrets);
  const extra = deps.masker;
  const masker: Masker | undefined =
    typeof extra === 'function' ? extra : extra ? (text: string) => extra.mask(text) : undefined;

  /** Every secret value that resolves now: a report is masked against all of them, not just those used. */
  const secretValues = async (): Promise<string[]> => {
    const values: string[] = [];
    for (const name of secrets.names()) {
      try {
        values.push(await secrets.get(name));
      } catch {
        // An unavailable secret cannot have leaked into output through this worker.
      }
    }
    return values;
  };

  return {
    async writeReport(input: WriteReportInput): Promise<WriteReportResult> {
      const state = await stateFor(input, deps.stateOf);
      const opts: ReportOptions = {
        secrets: await secretValues(),
        links: {
          incidentBaseUrl:
            input.links?.incidentBaseUrl ?? `${config.intake.publicUrl.replace(/\/+$/u, '')}/v1/incidents`,
          ...((input.links?.temporalUiBaseUrl ?? config.temporal.uiBaseUrl)
            ? { temporalUiBaseUrl: input.links?.temporalUiBaseUrl ?? config.temporal.uiBaseUrl }
            : {}),
          temporalNamespace: config.temporal.namespace,
        },
        ...(masker ? { masker } : {}),
      };
      const { markdown, html } = renderReports(state, opts);

      const stem = reportFileStem(state.id);
      const dir = path.resolve(config.reportsDir);
      const markdownPath = path.join(dir, `${stem}.md`);
      const htmlPath = path.join(dir, `${stem}.html`);
      await mkdir(dir, { recursive: true });
      await writeAtomic(markdownPath, markdown);
      await writeAtomic(htmlPath, html);

      const people = state.oncall?.people ?? {};
      const emails = [...new Set(input.to.map((id) => people[id]?.email).filter((e): e is string => !!e))];
      const unknown = input.to.filter((id) => !people[id]?.email);
      const result: WriteReportResult = { markdownPath, htmlPath, emailed: false };
      if (emails.length === 0) {
        result.error =
          input.to.length === 0 ? 'no report recipients' : `no email address for ${unknown.join(', ')}`;
        return result;
      }
      const mailer = deps.mailer ?? (defaultMailer ??= createMailer(config.mail));
      // The same masking the renderers apply, for text the activity adds itself (subject, errors).
      const mask = combineMaskers(opts.masker, createMasker(opts.secrets ?? []));
      const subject = mask(
        oneLine(
          `[Firebreak] Post-incident report: ${state.runbook.title || state.runbook.id} (${state.severity}, ${state.status})`,
        ),
      );
      try {
        await mailer.send({
          to: emails.join(', '),
          subject,
          text: markdown,
          html,
          headers: { 'X-Firebreak-Incident': oneLine(mask(state.id)) },
          attachments: [
            { filename: `${stem}.md`, content: markdown, contentType: 'text/markdown; charset=utf-8' },
          ],
        });
      } catch (err) {
        const message = mask(err instanceof Error ? err.message : String(err));
        if (isPermanentMailError(err)) {
          result.error = `report mail refused: ${message}`;
          return result;
        }
        // Transient (SMTP down): a plain error, so Temporal retries; the files are already in place.
        // The raw cause is not attached: it would travel unmasked into workflow history.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(
          `report for ${state.id} written to ${markdownPath} but not mailed to ${emails.join(', ')}: ${message}`,
        );
      }
      result.emailed = true;
      if (unknown.length > 0) result.error = `no email address for ${unknown.join(', ')}`;
      return result;
    },
  };
}
