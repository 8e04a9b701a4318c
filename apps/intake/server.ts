/**
 * The intake HTTP API (Fastify): alert webhooks that start or join incidents, the incident API
 * for humans (identity from API tokens), one-click approval links, health and metrics — one
 * plugin per route group (routes/), wired here with the context they share.
 */
import type { Client } from '@temporalio/client';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { FirebreakConfig } from '../../services/config/types';
import { createAuth } from './auth';
import { boundUrl, checkExposure } from './bind';
import type { IntakeContext } from './context';
import { Dispatcher } from './dispatch';
import { intakeErrorHandler } from './error-handler';
import { installProtection } from './protection';
import { createIngest } from './ingest';
import type { IntakeLibrary } from './ingest';
import { loadMasking } from './masking';
import { createMetrics } from './metrics';
import type { IntakeMetrics } from './metrics';
import { alertRoutes } from './routes/alerts';
import { approvalLinkRoutes } from './routes/approval-links';
import { consoleRoutes } from './routes/console';
import { healthRoutes } from './routes/health';
import { incidentRoutes } from './routes/incidents';
import { SessionKeys } from './session';
import { reportRoutes } from './routes/reports';
import { unmatchedRoutes } from './routes/unmatched';
import { UnmatchedAlerts } from './unmatched';

export type { IntakeLibrary } from './ingest';
export { libraryFromPlans } from './library';

export interface IntakeDeps {
  client: Client;
  config: FirebreakConfig;
  /** A getter lets the engine swap in a reloaded library without restarting the intake. */
  library: IntakeLibrary | (() => IntakeLibrary);
  /** Extra API tokens → person ids (e.g. from the on-call file), merged with config.intake.tokens. */
  tokens?: Record<string, string>;
  metrics?: IntakeMetrics;
  logger?: boolean;
  /** Observes every incident started: receipt → workflow started (ms). For benchmarks and the engine. */
  onIncidentStarted?: (incidentId: string, latencyMs: number) => void;
  /** Operator log lines (unmatched alerts); default stderr, prefixed `firebreak intake:`. */
  log?: (line: string) => void;
}

function dispatcherFor(deps: IntakeDeps, metrics: IntakeMetrics): Dispatcher {
  const { client, config } = deps;
  const publicUrl = config.intake.publicUrl.replace(/\/+$/, '');
  return new Dispatcher({
    client,
    taskQueue: config.temporal.taskQueue,
    links: {
      incidentBaseUrl: `${publicUrl}/v1/incidents`,
      ...(config.temporal.uiBaseUrl ? { temporalUiBaseUrl: config.temporal.uiBaseUrl } : {}),
    },
    onStarted: (id, ms) => {
      metrics.startLatency.observe(ms / 1000);
      deps.onIncidentStarted?.(id, ms);
    },
  });
}

async function contextFor(deps: IntakeDeps): Promise<IntakeContext> {
  const { client, config } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const { intake } = config;
  const log = deps.log ?? ((line: string) => void process.stderr.write(`firebreak intake: ${line}\n`));
  const unmatched = new UnmatchedAlerts({ log });
  return {
    client,
    config,
    metrics,
    unmatched,
    auth: createAuth(
      intake.alertToken,
      { ...intake.tokens, ...(deps.tokens ?? {}) },
      {
        sessions: new SessionKeys(config.approvalSigningKey, intake.sessionTtlMs ?? 12 * 3_600_000),
        openReads: intake.openReads ?? false,
        secureCookies: intake.publicUrl.startsWith('https:'),
      },
    ),
    ingest: createIngest({
      dispatcher: dispatcherFor(deps, metrics),
      library: () => (typeof deps.library === 'function' ? deps.library() : deps.library),
      metrics,
      onUnmatched: (alert, receivedAt, caughtBy) => unmatched.record(alert, receivedAt, caughtBy),
    }),
    masking: await loadMasking(config),
  };
}

export async function buildIntake(deps: IntakeDeps): Promise<FastifyInstance> {
  const ctx = await contextFor(deps);
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: ctx.config.intake.bodyLimitBytes,
    // Signed approval tokens travel as a path parameter.
    routerOptions: { maxParamLength: 4096 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  // Hook and error handler first: the plugins' routes inherit them.
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.requestDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.setErrorHandler(intakeErrorHandler);
  installProtection(app, ctx.config.intake);
  await app.register(alertRoutes, ctx);
  await app.register(unmatchedRoutes, ctx);
  await app.register(incidentRoutes, ctx);
  await app.register(approvalLinkRoutes, ctx);
  await app.register(reportRoutes, ctx);
  await app.register(healthRoutes, ctx);
  await app.register(consoleRoutes, ctx);
  return app;
}

export interface RunningIntake {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/**
 * Build and listen on config.intake.host:port (port 0 picks a free one); the engine calls this
 * in-process. Refuses (EngineError) to listen beyond loopback without an alert token and person
 * tokens unless `allowInsecureBind` is set, which is then logged loudly. `url` is the address
 * actually bound (`http://0.0.0.0:…` when listening on every interface).
 */
export async function startIntake(
  config: FirebreakConfig,
  deps: Omit<IntakeDeps, 'config'>,
): Promise<RunningIntake> {
  const { intake } = config;
  const warning = checkExposure({
    host: intake.host,
    alertToken: !!intake.alertToken,
    personTokens: Object.keys({ ...intake.tokens, ...(deps.tokens ?? {}) }).length,
    allowInsecureBind: intake.allowInsecureBind ?? false,
  });
  if (warning) (deps.log ?? ((l: string) => void process.stderr.write(`firebreak intake: ${l}\n`)))(warning);
  const app = await buildIntake({ ...deps, config });
  const address = await app.listen({ host: intake.host, port: intake.port });
  return { app, url: boundUrl(app.server.address(), address), close: () => app.close() };
}
