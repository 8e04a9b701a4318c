/**
 * The intake HTTP API (Fastify): alert webhooks that start or join incidents, the incident API
 * for humans (identity from API tokens), one-click approval links, health and metrics.
 */
import { timingSafeEqual } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseAlertmanagerWebhook } from '../alerts/alertmanager';
import { isAlertPayloadError } from '../alerts/errors';
import type { AlertInstance } from '../alerts/types';
import type { FirebreakConfig } from '../config/types';
import type { Actor, Channel, IncidentState, RefusalSignal } from '../incident/types';
import { ApprovalLinkError } from '../notify/errors';
import { verifyApproval } from '../notify/links';
import { matchAlert } from '../library';
import type { Plan } from '../plan/types';
import {
  INCIDENT_WORKFLOW,
  ackUpdate,
  approveUpdate,
  closeUpdate,
  noteUpdate,
  rejectUpdate,
  stateQuery,
} from '../workflows/definitions';
import { Dispatcher } from './dispatch';
import type { DispatchResult } from './dispatch';
import { recordRefusal, updateRefusal } from './audit';
import { IntakeError, refusalStatus } from './errors';
import { createMetrics } from './metrics';
import type { IntakeMetrics } from './metrics';
import { normalizeGeneric, normalizeGrafana } from './normalize';
import type { GenericPayload, GrafanaPayload } from './normalize';
import { page } from './pages';
import * as S from './schemas';

/** Which runbooks an alert triggers (the runbook library, or a fixed list in tests). */
export interface IntakeLibrary {
  match(alert: AlertInstance): Plan[];
}

export function libraryFromPlans(plans: Plan[]): IntakeLibrary {
  return { match: (alert) => matchAlert(plans, alert) };
}

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
}

/** One row of GET /v1/incidents. */
export interface IncidentSummary {
  id: string;
  runbook: string;
  title: string;
  severity: string;
  status: string;
  fingerprint: string;
  started: string;
  updated: string;
  pendingApprovals: { stepId: string; expiresAt: string; approvers: string[] }[];
  alertCount?: number;
  acknowledgedBy?: string;
}

export function summarize(s: IncidentState): IncidentSummary {
  return {
    id: s.id,
    runbook: s.runbook.id,
    title: s.runbook.title,
    severity: s.severity,
    status: s.status,
    fingerprint: s.alert.fingerprint,
    started: s.startedAt,
    updated: s.updatedAt,
    pendingApprovals: s.pendingApprovals.map((p) => ({
      stepId: p.stepId,
      expiresAt: p.expiresAt,
      approvers: p.approvers,
    })),
    alertCount: s.alertCount,
    ...(s.acknowledged ? { acknowledgedBy: s.acknowledged.by.person } : {}),
  };
}

function fromVisibility(w: WorkflowExecutionInfo): IncidentSummary {
  return {
    id: w.workflowId,
    runbook: '',
    title: '',
    severity: '',
    status: w.status.name.toLowerCase(),
    fingerprint: '',
    started: w.startTime.toISOString(),
    updated: (w.closeTime ?? w.startTime).toISOString(),
    pendingApprovals: [],
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

/** Run `fn` over items with at most `limit` in flight. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function buildIntake(deps: IntakeDeps): Promise<FastifyInstance> {
  const { client, config } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const tokens: Record<string, string> = { ...config.intake.tokens, ...(deps.tokens ?? {}) };
  const library = (): IntakeLibrary => (typeof deps.library === 'function' ? deps.library() : deps.library);
  const publicUrl = config.intake.publicUrl.replace(/\/+$/, '');
  const dispatcher = new Dispatcher({
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

  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: config.intake.bodyLimitBytes,
    // Signed approval tokens travel as a path parameter.
    routerOptions: { maxParamLength: 4096 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });

  app.addHook('onResponse', async (req, reply) => {
    metrics.requestDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler(
    (err: Error & { statusCode?: number; validation?: unknown; code?: string }, req, reply) => {
      if (err.validation) return reply.code(422).send({ error: err.message });
      if (isAlertPayloadError(err)) return reply.code(422).send({ error: err.message });
      if (err instanceof IntakeError) return reply.code(err.statusCode).send({ error: err.message });
      if (err instanceof WorkflowNotFoundError)
        return reply.code(404).send({ error: `no such incident: ${err.workflowId}` });
      const refusal = updateRefusal(err);
      if (refusal) return reply.code(refusalStatus(refusal)).send({ error: refusal });
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return reply.code(err.statusCode).send({ error: err.message });
      }
      req.log.error(err);
      return reply.code(503).send({ error: `intake could not reach Temporal or failed: ${err.message}` });
    },
  );

  const requireAlertToken = async (req: FastifyRequest): Promise<void> => {
    const expected = config.intake.alertToken;
    if (!expected) return;
    const given = bearer(req);
    if (!given) throw new IntakeError(401, 'missing Authorization: Bearer token for alert webhooks');
    if (!sameSecret(given, expected)) throw new IntakeError(401, 'alert webhook token is not valid');
  };

  const actorOf = (req: FastifyRequest, channel: Channel = 'api'): Actor => {
    const token = bearer(req);
    if (!token) throw new IntakeError(401, 'missing Authorization: Bearer <API token>');
    const person = Object.entries(tokens).find(([t]) => sameSecret(t, token))?.[1];
    if (!person) throw new IntakeError(401, 'API token is not valid');
    return { person, channel };
  };

  /** Validate + match everything first, then dispatch: nothing is half-started on a bad payload. */
  const ingest = async (
    source: AlertInstance['source'],
    alerts: AlertInstance[],
    receivedAt: string,
    receivedMs: number,
  ) => {
    const work: { plan: Plan; alert: AlertInstance }[] = [];
    const unmatched: { fingerprint: string; alertname?: string; status: string }[] = [];
    const lib = library();
    for (const alert of alerts) {
      metrics.alertsReceived.inc({ source, status: alert.status });
      const plans = lib.match(alert);
      if (plans.length === 0) {
        if (alert.status === 'firing') metrics.alertsUnmatched.inc({ source });
        unmatched.push({
          fingerprint: alert.fingerprint,
          ...(alert.labels.alertname ? { alertname: alert.labels.alertname } : {}),
          status: alert.status,
        });
      }
      for (const plan of plans) work.push({ plan, alert });
    }
    const incidents: DispatchResult[] = await Promise.all(
      work.map(async ({ plan, alert }) => {
        const r = await dispatcher.deliver(plan, alert, receivedAt, receivedMs);
        if (r.action === 'started') metrics.incidentsStarted.inc({ runbook: r.runbook });
        if (r.action === 'signalled') metrics.alertsDeduplicated.inc();
        return r;
      }),
    );
    return { incidents, unmatched };
  };

  const alertRoute = { onRequest: requireAlertToken };
  // Receipt is when the request arrived (Fastify's clock starts before the body is read, parsed
  // and validated): receipt → started then covers everything the intake does.
  const receivedMsOf = (reply: FastifyReply) => Math.round(Date.now() - reply.elapsedTime);

  app.post(
    '/v1/alerts/alertmanager',
    { ...alertRoute, schema: { body: S.alertmanagerBody } },
    async (req, reply) => {
      const receivedMs = receivedMsOf(reply);
      const alerts = parseAlertmanagerWebhook(req.body);
      return reply
        .code(202)
        .send(await ingest('alertmanager', alerts, new Date(receivedMs).toISOString(), receivedMs));
    },
  );

  app.post('/v1/alerts', { ...alertRoute, schema: { body: S.genericBody } }, async (req, reply) => {
    const receivedMs = receivedMsOf(reply);
    const receivedAt = new Date(receivedMs).toISOString();
    const alerts = normalizeGeneric(req.body as GenericPayload, receivedAt);
    return reply.code(202).send(await ingest('generic', alerts, receivedAt, receivedMs));
  });

  app.post('/v1/alerts/grafana', { ...alertRoute, schema: { body: S.grafanaBody } }, async (req, reply) => {
    const receivedMs = receivedMsOf(reply);
    const alerts = normalizeGrafana(req.body as GrafanaPayload);
    return reply
      .code(202)
      .send(await ingest('grafana', alerts, new Date(receivedMs).toISOString(), receivedMs));
  });

  // ------------------------------------------------------------------ incidents
  app.get('/v1/incidents', { schema: { querystring: S.listQuery } }, async (req) => {
    const q = req.query as { limit?: number; status?: 'open' | 'closed' | 'all' };
    const limit = q.limit ?? 100;
    let query = `WorkflowType = '${INCIDENT_WORKFLOW}'`;
    if (q.status === 'open') query += ` AND ExecutionStatus = 'Running'`;
    if (q.status === 'closed') query += ` AND ExecutionStatus != 'Running'`;
    const execs: WorkflowExecutionInfo[] = [];
    for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
      execs.push(w);
      if (execs.length >= limit) break;
    }
    const incidents = await mapLimit(execs, 8, async (w) => {
      try {
        const s = await client.workflow.getHandle(w.workflowId, w.runId).query(stateQuery);
        return summarize(s);
      } catch {
        return fromVisibility(w);
      }
    });
    return { incidents };
  });

  app.get('/v1/incidents/:id', { schema: { params: S.idParams } }, async (req) => {
    const { id } = req.params as { id: string };
    return client.workflow.getHandle(id).query(stateQuery);
  });

  const update = <R>(
    path: string,
    schema: object,
    action: RefusalSignal['action'],
    run: (id: string, actor: Actor, body: R) => Promise<IncidentState>,
  ) =>
    app.post(path, { schema: { params: S.idParams, body: schema } }, async (req) => {
      const actor = actorOf(req);
      const { id } = req.params as { id: string };
      const body = (req.body ?? {}) as R;
      try {
        return summarize(await run(id, actor, body));
      } catch (err) {
        const reason = updateRefusal(err);
        if (reason) {
          const stepId = (body as { stepId?: unknown }).stepId;
          await recordRefusal(client, id, {
            actor,
            action,
            ...(typeof stepId === 'string' ? { stepId } : {}),
            reason,
          });
        }
        throw err;
      }
    });

  update<{ comment?: string }>('/v1/incidents/:id/ack', S.ackBody, 'ack', (id, actor, b) =>
    client.workflow
      .getHandle(id)
      .executeUpdate(ackUpdate, { args: [{ actor, ...(b.comment ? { comment: b.comment } : {}) }] }),
  );
  update<{ text: string }>('/v1/incidents/:id/notes', S.noteBody, 'note', (id, actor, b) =>
    client.workflow.getHandle(id).executeUpdate(noteUpdate, { args: [{ actor, text: b.text }] }),
  );
  for (const decision of ['approve', 'reject'] as const) {
    update<{ stepId: string; comment?: string }>(
      `/v1/incidents/:id/${decision}`,
      S.decisionBody,
      decision,
      async (id, actor, b) => {
        try {
          const s = await client.workflow
            .getHandle(id)
            .executeUpdate(decision === 'approve' ? approveUpdate : rejectUpdate, {
              args: [{ stepId: b.stepId, actor, ...(b.comment ? { comment: b.comment } : {}) }],
            });
          metrics.approvals.inc({ decision, channel: 'api', outcome: 'accepted' });
          return s;
        } catch (err) {
          metrics.approvals.inc({ decision, channel: 'api', outcome: 'refused' });
          throw err;
        }
      },
    );
  }
  update<{ outcome?: 'resolved' | 'failed'; comment?: string }>(
    '/v1/incidents/:id/close',
    {
      type: 'object',
      additionalProperties: false,
      properties: { outcome: { enum: ['resolved', 'failed'] }, comment: { type: 'string', maxLength: 4000 } },
    },
    'close',
    (id, actor, b) =>
      client.workflow.getHandle(id).executeUpdate(closeUpdate, {
        args: [{ actor, outcome: b.outcome ?? 'resolved', ...(b.comment ? { comment: b.comment } : {}) }],
      }),
  );

  // ------------------------------------------------------------------ one-click approval links
  // No automatic HEAD route: link scanners probe with HEAD, and that must never decide a step.
  app.get(
    '/v1/approvals/:token',
    { schema: { params: S.tokenParams }, exposeHeadRoute: false },
    async (req, reply) => {
      const { token } = req.params as { token: string };
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer');
      let claims;
      try {
        claims = verifyApproval(config.approvalSigningKey, token);
      } catch (err) {
        if (!(err instanceof ApprovalLinkError)) throw err;
        metrics.approvals.inc({ decision: 'unknown', channel: 'email', outcome: err.reason });
        req.log.warn({ reason: err.reason }, 'approval link refused');
        const title =
          err.reason === 'expired' ? 'This approval link has expired' : 'This approval link is not valid';
        const hint =
          err.reason === 'expired'
            ? 'The request has escalated or will; use the CLI or API if you still want to decide.'
            : 'It may have been altered or cut off. Nothing was approved.';
        return reply.code(err.reason === 'expired' ? 410 : 403).send(page(title, [err.message, hint], false));
      }
      const { incidentId, stepId, person, decision, nonce } = claims;
      const handle = client.workflow.getHandle(incidentId);
      const verb = decision === 'approve' ? 'approved' : 'rejected';
      try {
        await handle.executeUpdate(decision === 'approve' ? approveUpdate : rejectUpdate, {
          args: [{ stepId, actor: { person, channel: 'email' }, nonce }],
        });
        metrics.approvals.inc({ decision, channel: 'email', outcome: 'accepted' });
        return reply
          .code(200)
          .send(
            page(
              `Step ${verb}`,
              [`${person} ${verb} step "${stepId}" of incident ${incidentId}.`, 'You can close this page.'],
              true,
            ),
          );
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          return reply
            .code(404)
            .send(
              page('Incident not found', [`Incident ${incidentId} no longer exists or has finished.`], false),
            );
        }
        const refusal = updateRefusal(err);
        if (!refusal) throw err;
        // Explain from the state: a replayed link, or someone else already decided.
        let lines = [refusal];
        let outcome = 'refused';
        try {
          const s = await handle.query(stateQuery);
          const step = s.steps.find((x) => x.id === stepId);
          if (s.usedNonces.includes(nonce)) {
            outcome = 'replayed';
            lines = [
              `This link was already used; a link works once.`,
              ...(step?.decidedBy ? [decidedLine(stepId, step.decidedBy)] : []),
            ];
            req.log.warn({ incidentId, stepId, person }, 'approval link replay refused');
          } else if (step?.decidedBy) {
            lines = [decidedLine(stepId, step.decidedBy)];
          }
        } catch {
          // the refusal reason alone is still accurate
        }
        metrics.approvals.inc({ decision, channel: 'email', outcome });
        await recordRefusal(client, incidentId, {
          actor: { person, channel: 'email' },
          action: decision,
          stepId,
          reason: outcome === 'replayed' ? 'approval link already used (replayed link refused)' : refusal,
        });
        return reply.code(refusalStatus(refusal)).send(page(`Step not ${verb}`, lines, false));
      }
    },
  );

  // ------------------------------------------------------------------ health and metrics
  app.get('/healthz', async (_req, reply: FastifyReply) => {
    try {
      const res = await client.workflowService.describeTaskQueue({
        namespace: config.temporal.namespace,
        taskQueue: { name: config.temporal.taskQueue, kind: 1 },
        taskQueueType: 1,
      });
      const pollers = res.pollers?.length ?? 0;
      const body = {
        ok: pollers > 0,
        temporal: 'reachable',
        taskQueue: config.temporal.taskQueue,
        workflowPollers: pollers,
      };
      return reply.code(pollers > 0 ? 200 : 503).send(body);
    } catch (err) {
      return reply.code(503).send({ ok: false, temporal: `unreachable: ${(err as Error).message}` });
    }
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  return app;
}

function decidedLine(stepId: string, d: NonNullable<IncidentState['steps'][number]['decidedBy']>): string {
  return `Step "${stepId}" was already ${d.decision} by ${d.person} (${d.channel}) at ${d.at}.`;
}

export interface RunningIntake {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Build and listen on config.intake.host:port (port 0 picks a free one); the engine calls this in-process. */
export async function startIntake(
  config: FirebreakConfig,
  deps: Omit<IntakeDeps, 'config'>,
): Promise<RunningIntake> {
  const app = await buildIntake({ ...deps, config });
  const address = await app.listen({ host: config.intake.host, port: config.intake.port });
  return { app, url: address, close: () => app.close() };
}
