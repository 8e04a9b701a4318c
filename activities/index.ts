/**
 * `createActivities(deps)`: the one place the worker's activities are composed from their areas —
 * commands (transport/ + activities/commands.ts), on-call lookup, notifications and the report. Tests
 * pass `overrides` to swap any single activity for a fake while keeping the rest real.
 */
import { statSync } from 'node:fs';
import type { FirebreakConfig } from '../services/config/types';
import type { Mailer } from '../services/notify/mailer';
import { createMailer } from '../services/notify/mailer';
import { loadOnCall } from '../services/oncall/load';
import type { OnCallConfig } from '../services/oncall/types';
import { SecretStore } from '../services/secrets';
import type { Executor } from '../services/transport/transport';
import { createCommandActivities } from './commands';
import { createNotifyActivities } from './notify';
import { createOnCallActivities } from './oncall';
import { createReportActivities } from './report';
import type { IncidentActivities, LocalHost } from './types';
import { workerSettings } from '../services/config';

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
  /**
   * The machine this worker runs on and the task queue only its workers poll (set by the worker,
   * which polls it): `pinLocalHost` answers with it. Default: this machine's host id and no queue
   * of its own, so local steps stay on the incident's queue.
   */
  localHost?: LocalHost;
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
        hostLabel: true,
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

  const report = o.writeReport
    ? undefined
    : createReportActivities({
        config,
        secrets,
        masker: secrets.masker,
        get mailer() {
          return getMailer();
        },
      });

  const localHost: LocalHost = deps.localHost ?? { hostId: workerSettings(config).hostId };
  return {
    pinLocalHost: o.pinLocalHost ?? (async () => localHost),
    resolveOnCall: o.resolveOnCall ?? oncall!.resolveOnCall,
    runCommand: o.runCommand ?? commands!.runCommand,
    sendNotification: o.sendNotification ?? notify!.sendNotification,
    writeReport: o.writeReport ?? report!.writeReport,
  };
}
