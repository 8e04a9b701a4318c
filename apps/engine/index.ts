/**
 * The whole engine in one process, for `npm start` / `firebreak start`: validates the runbook
 * library and the on-call config (refusing to start on either being invalid), brings up Temporal
 * (the embedded dev server unless TEMPORAL_ADDRESS names one), then the worker and the intake.
 */
import { Client } from '@temporalio/client';
import { loadConfig } from '../../services/config';
import type { FirebreakConfig } from '../../services/config/types';
import { checkExposure, createMetrics, libraryFromPlans, startIntake } from '../intake';
import type { RunningIntake } from '../intake';
import { loadPersonTokens } from '../../services/oncall';
import { connectTemporal } from '../../services/config/temporal';
import { startWorker } from '../../worker';
import { installRuntimeLogger, logLevelFrom } from '../../worker/logging';
import { tuneHeap } from '../../worker/heap';
import type { RunningWorker } from '../../worker';
import { connectWhenReady } from './connect-ready';
import { startDevServer } from './devserver';
import type { DevDbSync, DevServer } from './devserver';
import { EngineError } from '../../services/config/errors';
import { checkInputs } from '../../services/config/inputs';

export { EngineError } from '../../services/config/errors';

export interface EngineOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface RunningEngine {
  config: FirebreakConfig;
  intakeUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  /** Stops intake, worker, connections and the embedded server, in that order. */
  stop(): Promise<void>;
  /** Settles when the worker stops on its own (a crash rejects). */
  done: Promise<void>;
}

function port(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new EngineError(`${key}: expected a port number, got "${raw}"`);
  return n;
}

function devSync(env: NodeJS.ProcessEnv): DevDbSync {
  const raw = env.FIREBREAK_DEV_DB_SYNC;
  if (raw === undefined || raw === '' || raw === 'normal') return 'normal';
  if (raw === 'full') return 'full';
  throw new EngineError(`FIREBREAK_DEV_DB_SYNC: expected "normal" or "full", got "${raw}"`);
}

function describeMail(config: FirebreakConfig): string {
  if (!config.mail.smtpUrl) return `.eml files in ${config.mail.outboxDir}`;
  const u = new URL(config.mail.smtpUrl);
  return `SMTP ${u.protocol}//${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 25)}`;
}

export async function startEngine(opts: EngineOptions = {}): Promise<RunningEngine> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => void process.stderr.write(`firebreak: ${line}\n`));
  const config = loadConfig(env);
  // Before the worker's workflow thread exists: its heap is sized when it is created.
  tuneHeap(env);
  // Before any connection: the runtime's logger is fixed when the first one is made.
  installRuntimeLogger(logLevelFrom(env), log);
  const { plans, oncall } = checkInputs(config);
  log(`${plans.length} runbooks valid in ${config.runbooksDir}; on-call config ${config.oncallFile}`);
  const tokens = loadPersonTokens(oncall, env);
  // Refuse an exposed, unauthenticated intake before anything starts (startIntake logs the override).
  checkExposure({
    host: config.intake.host,
    alertToken: !!config.intake.alertToken,
    personTokens: Object.keys({ ...config.intake.tokens, ...tokens }).length,
    allowInsecureBind: config.intake.allowInsecureBind ?? false,
  });
  const library = libraryFromPlans(plans, { catchAll: config.catchAllRunbook });
  if (config.catchAllRunbook)
    log(`alerts no runbook matches go to the catch-all runbook ${config.catchAllRunbook}`);

  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log(`while stopping: ${(err as Error).message}`);
      }
    }
  };

  try {
    let devServer: DevServer | undefined;
    if (!config.temporal.address) {
      devServer = await startDevServer({
        home: config.home,
        host: '127.0.0.1',
        port: port(env, 'TEMPORAL_PORT', 7233),
        uiPort: port(env, 'TEMPORAL_UI_PORT', 8233),
        sync: devSync(env),
        log,
      });
      cleanups.push(() => devServer!.stop());
      config.temporal.address = devServer.address;
      config.temporal.uiBaseUrl ??= devServer.uiUrl;
      log(`Temporal dev server on ${devServer.address} (state in ${config.home}/temporal/temporal.db)`);
    }

    // One native connection serves both the worker and the intake's client. The embedded server
    // may still be starting although its port is open.
    const connection = devServer
      ? await connectWhenReady(() => connectTemporal(config, env), { timeoutMs: 60_000, intervalMs: 500 })
      : await connectTemporal(config, env);
    cleanups.push(() => connection.close());
    const worker: RunningWorker = await startWorker(config, {
      connection,
      activityDeps: { oncall, log },
      env,
    });
    cleanups.push(() => worker.shutdown());

    const client = new Client({ connection, namespace: config.temporal.namespace });
    const intake: RunningIntake = await startIntake(config, {
      client,
      library,
      tokens,
      metrics: createMetrics({ defaultMetrics: true }),
      log,
    });
    cleanups.push(() => intake.close());

    return {
      config,
      intakeUrl: intake.url,
      temporalAddress: config.temporal.address,
      ...(config.temporal.uiBaseUrl ? { temporalUiUrl: config.temporal.uiBaseUrl } : {}),
      stop: stopAll,
      done: worker.done,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A note for a wildcard bind: the console is reached through one of the machine's addresses. */
function allInterfaces(url: string): string {
  return /\/\/(0\.0\.0\.0|\[::\])/u.test(url)
    ? '\n                listening on every interface of this machine'
    : '';
}

/** The banner `npm start` prints once everything is up. */
export function banner(engine: RunningEngine): string {
  const c = engine.config;
  return [
    '',
    'Firebreak is running.',
    `  console       ${engine.intakeUrl}/   (sign in with your token from ${c.oncallFile})${allInterfaces(engine.intakeUrl)}`,
    `  intake        ${engine.intakeUrl}   (POST /v1/alerts/alertmanager, GET /v1/incidents, GET /healthz)`,
    `  Temporal      ${engine.temporalAddress}${engine.temporalUiUrl ? `   UI: ${engine.temporalUiUrl}` : ''}`,
    `  mail          ${describeMail(c)}`,
    `  reports       ${c.reportsDir}`,
    `  state         ${c.home}`,
    '',
    'Fire the demo alert (local target, needs your approval):',
    `  npx firebreak alert fire demo --url ${engine.intakeUrl}/v1/alerts/alertmanager`,
    'then watch and approve it:',
    '  npx firebreak incident list',
    '  npx firebreak incident approve <incident-id> <step-id> --as alice',
    '',
    'Ctrl-C stops everything; in-flight incidents resume on the next start.',
    '',
  ].join('\n');
}
