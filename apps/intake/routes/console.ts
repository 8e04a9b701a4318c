/**
 * The on-call console, served by the intake: `/` lists incidents, `/incidents/:id` shows one with
 * its approvals and actions, `/incidents/:id/report` renders the post-incident report from the
 * incident's state (live while it runs, final once it ended). Pages are server-rendered and update
 * live (routes/console-session.ts has the event stream); actions are forms that run the same
 * workflow updates as the API, as the signed-in person (channel `ui`).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { workflowIdOfIncident } from '../../../language/plan/context';
import { renderHtml, renderMarkdown } from '../../../services/report';
import type { ReportOptions } from '../../../services/report';
import { messageBody } from '../console/approval-view';
import { IncidentReader } from '../console/data';
import type { Identity } from '../auth';
import { incidentBody } from '../console/incident-view';
import { filtersFrom, listBody } from '../console/list-view';
import { LiveHub } from '../console/live';
import type { PageOptions } from '../console/layout';
import { formActor, pageIdentity, sendPage, viewerOf } from '../console/requests';
import type { IntakeContext } from '../context';
import { IntakeError, refusalOf } from '../errors';
import { acceptForms, assertSameOrigin, field } from '../forms';
import { act } from '../updates';
import type { IncidentAction } from '../updates';
import { sessionRoutes } from './console-session';

type Ctx = Pick<IntakeContext, 'client' | 'config' | 'metrics' | 'auth' | 'masking'>;

const ACTIONS: readonly IncidentAction[] = ['ack', 'note', 'approve', 'reject', 'close'];
const DONE: Record<string, string> = {
  ack: 'Acknowledged: paging has stopped.',
  note: 'Note added to the timeline.',
  approve: 'Approved: the step runs now.',
  reject: 'Rejected: the step will not run.',
  close: 'Incident closed.',
};

/** Report pages keep their own inline styles; still no script and no framing. */
const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function temporalUrl(ctx: Ctx, id: string): string | undefined {
  const ui = ctx.config.temporal.uiBaseUrl;
  if (!ui) return undefined;
  const ns = encodeURIComponent(ctx.config.temporal.namespace);
  return `${ui.replace(/\/+$/u, '')}/namespaces/${ns}/workflows/${encodeURIComponent(workflowIdOfIncident(id))}`;
}

async function incidentPage(
  ctx: Ctx,
  reader: IncidentReader,
  reply: FastifyReply,
  incidentId: string,
  id: Identity | undefined,
  flash?: { ok: boolean; text: string; status?: number },
): Promise<FastifyReply> {
  const state = await reader.state(incidentId);
  const links = {
    report: `/incidents/${encodeURIComponent(incidentId)}/report`,
    ...(temporalUrl(ctx, incidentId) ? { temporal: temporalUrl(ctx, incidentId) } : {}),
  };
  const name = state.alert.labels.alertname ?? state.runbook.title;
  const viewer = viewerOf(ctx.auth, id);
  const opts: PageOptions = {
    title: `${state.status.replace('_', ' ')} · ${name}`,
    live: `incident:${incidentId}`,
    body: incidentBody(state, viewer, links, ctx.masking.mask),
    ...(viewer ? { viewer } : {}),
    ...(flash ? { flash: { ok: flash.ok, text: flash.text } } : {}),
  };
  return sendPage(reply, flash?.status ?? 200, opts);
}

function pageRoutes(app: FastifyInstance, ctx: Ctx, reader: IncidentReader): void {
  const { auth } = ctx;
  app.get<{ Querystring: Record<string, string> }>('/', async (req, reply) => {
    const who = pageIdentity(auth, req, reply);
    if (!who) return reply;
    const viewer = viewerOf(auth, who.id);
    return sendPage(reply, 200, {
      title: 'Incidents',
      live: 'list',
      body: listBody(await reader.rows(), filtersFrom(req.query)),
      ...(viewer ? { viewer } : {}),
    });
  });

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>(
    '/incidents/:id',
    async (req, reply) => {
      const who = pageIdentity(auth, req, reply);
      if (!who) return reply;
      const done = req.query.done ? DONE[req.query.done] : undefined;
      return incidentPage(
        ctx,
        reader,
        reply,
        req.params.id,
        who.id,
        done ? { ok: true, text: done } : undefined,
      );
    },
  );

  app.get<{ Params: { id: string }; Querystring: { format?: string } }>(
    '/incidents/:id/report',
    async (req, reply) => {
      const who = pageIdentity(auth, req, reply);
      if (!who) return reply;
      const state = await reader.state(req.params.id);
      const opts: ReportOptions = {
        secrets: ctx.masking.values(),
        masker: ctx.masking.mask,
        links: {
          incidentBaseUrl: `${ctx.config.intake.publicUrl.replace(/\/+$/u, '')}/v1/incidents`,
          ...(ctx.config.temporal.uiBaseUrl ? { temporalUiBaseUrl: ctx.config.temporal.uiBaseUrl } : {}),
          temporalNamespace: ctx.config.temporal.namespace,
        },
      };
      reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
      if (req.query.format === 'md')
        return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(state, opts));
      const back = `<nav style="font:14px sans-serif;padding:8px 12px;background:#f4f6f8;border-bottom:1px solid #d8dde3"><a href="/incidents/${encodeURIComponent(state.id)}">← Back to the incident</a> · <a href="?format=md">Markdown</a></nav>`;
      const doc = renderHtml(state, opts).replace(/<body([^>]*)>/u, `<body$1>${back}`);
      return reply.type('text/html; charset=utf-8').header('content-security-policy', REPORT_CSP).send(doc);
    },
  );
}

function actionRoutes(app: FastifyInstance, ctx: Ctx, reader: IncidentReader): void {
  app.post<{ Params: { id: string; action: string } }>('/incidents/:id/:action', async (req, reply) => {
    const action = ACTIONS.find((a) => a === req.params.action);
    if (!action) throw new IntakeError(404, `no such action "${req.params.action}"`);
    assertSameOrigin(req, ctx.config.intake.publicUrl);
    const who = formActor(ctx.auth, req);
    const b = req.body;
    const comment = field(b, 'comment').trim();
    const fields = {
      ...(field(b, 'stepId') ? { stepId: field(b, 'stepId') } : {}),
      ...(comment ? { comment } : {}),
      text: field(b, 'text'),
      outcome: field(b, 'outcome') === 'failed' ? ('failed' as const) : ('resolved' as const),
    };
    const incidentId = req.params.id;
    try {
      await act(ctx.client, ctx.metrics, incidentId, action, { person: who.person, channel: 'ui' }, fields);
    } catch (err) {
      const refused = refusalOf(err);
      if (!refused) throw err;
      const text = `Not done: ${refused.reason}`;
      return incidentPage(ctx, reader, reply, incidentId, who, { ok: false, text, status: refused.status });
    }
    return reply.redirect(`/incidents/${encodeURIComponent(incidentId)}?done=${action}`, 303);
  });
}

/** Console failures as pages (the API's are JSON). */
function consoleErrors(ctx: Ctx) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const viewer = viewerOf(ctx.auth, ctx.auth.identify(req));
    const show = (status: number, title: string, line: string) =>
      sendPage(reply, status, {
        title,
        body: messageBody(title, [line], [{ href: '/', text: 'All incidents' }]),
        ...(viewer ? { viewer } : {}),
      });
    if (err instanceof WorkflowNotFoundError)
      return show(404, 'No such incident', `There is no incident ${err.workflowId}.`);
    if (err instanceof IntakeError) return show(err.statusCode, 'Not done', err.message);
    if (err.statusCode && err.statusCode < 500) return show(err.statusCode, 'Not done', err.message);
    req.log.error(err);
    return show(503, 'Temporal is not answering', `The console could not read the incident: ${err.message}`);
  };
}

export const consoleRoutes: FastifyPluginAsync<Ctx> = async (app, ctx) => {
  const reader = new IncidentReader(ctx.client);
  const live = new LiveHub((topic) => reader.version(topic));
  app.addHook('preClose', async () => live.close());
  acceptForms(app);
  app.setErrorHandler(consoleErrors(ctx));
  sessionRoutes(app, ctx, live);
  pageRoutes(app, ctx, reader);
  actionRoutes(app, ctx, reader);
};
