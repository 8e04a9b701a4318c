/**
 * `createActivities(deps)`: the one place the worker's activities are composed from their areas —
 * commands (ssh/ + activities/commands.ts), on-call lookup, notifications and the report. Tests
 * pass `overrides` to swap any single activity for a fake while keeping the rest real.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import type { FirebreakConfig } from '../config/types';
import type { Mailer } from '../notify/mailer';
import { createMailer } from '../notify/mailer';
import { loadOnCall } from '../oncall/load';
import type { OnCallConfig } from '../oncall/types';
import { renderReports } from '../report';
import { SecretStore } from '../secrets';
import type { Executor } from '../ssh/transport';
import { createCommandActivities } from './commands';
import { createNotifyActivities } from './notify';
import { createOnCallActivities } from './oncall';
import type { IncidentActivities, WriteReportInput, WriteReportResult } from './types';

export type { IncidentActivities } from './types';

export interface ActivityDeps {
  config: FirebreakConfig;
  /** On-call config (or a getter); default: `config.oncallFile`, re-read when the file changes. */
  oncall?: OnCallConfig | (() => OnCallConfig);
  /** Default: SMTP from `config.mail.smtpUrl`, else `.eml` files in the outbox. */
  mailer?: Mailer;
  /** Shared secret store, so every activity masks the same values. */
  secrets?: SecretStore;
  transports?: { local?: Executor; ssh?: Executor };
  /** Replace individual activities (tests). */
  overrides?: Partial<IncidentActivities>;
  log?: (line: string) => void;
}

/** Reads the on-call file again only when its mtime changes, so edits apply without a restart. */
function onCallFromFile(file: string): () => OnCallConfig {
  let cached: { mtimeMs: number; config: OnCallConfig } | undefined;
  return () => {
    const mtimeMs = statSync(file).mtimeMs;
    if (!cached || cached.mtimeMs !== mtimeMs) cached = { mtimeMs, config: loadOnCall(file) };
    return cached.config;
  };
}

/**
 * Interim `writeReport` (used until the report area's activities/report.ts exists): renders with
 * report/ and writes `<reportsDir>/<incident>.md|.html`; it does not mail.
 */
function fileReportWriter(config: FirebreakConfig, secrets: SecretStore): IncidentActivities['writeReport'] {
  return async (input: WriteReportInput): Promise<WriteReportResult> => {
    const { markdown, html } = renderReports(input.state, { masker: (s: string) => secrets.masker.mask(s) });
    await mkdir(config.reportsDir, { recursive: true });
    const base = join(config.reportsDir, input.state.id.replace(/[^A-Za-z0-9._-]/g, '_'));
    await writeFile(`${base}.md`, markdown);
    await writeFile(`${base}.html`, html);
    return {
      markdownPath: `${base}.md`,
      htmlPath: `${base}.html`,
      emailed: false,
      error: 'report mail not sent (interim writer)',
    };
  };
}

export function createActivities(deps: ActivityDeps): IncidentActivities {
  const { config } = deps;
  const secrets = deps.secrets ?? new SecretStore(config.secrets);
  const o = deps.overrides ?? {};
  let mailer = deps.mailer;
  const getMailer = (): Mailer => (mailer ??= createMailer(config.mail, deps.log ? { log: deps.log } : {}));

  const commands = o.runCommand
    ? undefined
    : createCommandActivities({
        config,
        secrets,
        ...(deps.transports ? { transports: deps.transports } : {}),
      });
  const oncall = o.resolveOnCall
    ? undefined
    : createOnCallActivities({ oncall: deps.oncall ?? onCallFromFile(config.oncallFile) });
  // The mailer is built on first use so a worker that never notifies never opens SMTP.
  const notify = o.sendNotification
    ? undefined
    : createNotifyActivities({
        config,
        get mailer() {
          return getMailer();
        },
      });

  return {
    resolveOnCall: o.resolveOnCall ?? oncall!.resolveOnCall,
    runCommand: o.runCommand ?? commands!.runCommand,
    sendNotification: o.sendNotification ?? notify!.sendNotification,
    writeReport: o.writeReport ?? fileReportWriter(config, secrets),
  };
}
