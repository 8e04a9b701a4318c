/**
 * The incident API: list and show (for callers with an API token or a console session, or anyone
 * when reads are explicitly open), and the updates — ack, notes, approve, reject, close — as the
 * person an API token names. The workflow's update validators decide whether that person may; a
 * refusal is recorded on the incident. `GET /v1/incidents/:id` is also the incident link of mails
 * and reports: a browser (Accept: text/html) is sent on to the console page.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { IntakeContext } from '../context';
import { IncidentLister } from '../incident-list';
import type { ListQuery } from '../incident-list';
import { incidentState } from '../incident-lookup';
import { prefersHtml } from '../negotiate';
import { publicState } from '../public-state';
import { queryValidatorCompiler } from '../querystring';
import * as S from '../schemas';
import { summarize } from '../summary';
import { act } from '../updates';
import type { ActionFields, IncidentAction } from '../updates';

type Options = Pick<IntakeContext, 'client' | 'config' | 'metrics' | 'auth'>;
type IdParams = { id: string };

function queryRoutes(app: FastifyInstance, { client, config, auth }: Options): void {
  // Credentials first (401 before any 422); a browser is sent on to the console, which asks itself.
  const onRequest = async (req: FastifyRequest) => {
    if (!prefersHtml(req)) await auth.requireReader(req);
  };
  // Rows come from a cache refreshed behind the answer, so a busy worker cannot stall the list.
  const lister = new IncidentLister(client);
  app.get<{ Querystring: ListQuery }>(
    '/v1/incidents',
    { onRequest, schema: { querystring: S.listQuery }, validatorCompiler: queryValidatorCompiler },
    async (req, reply) => {
      if (prefersHtml(req)) return reply.redirect('/', 303);
      return { incidents: await lister.list(req.query) };
    },
  );

  app.get<{ Params: IdParams }>(
    '/v1/incidents/:id',
    { onRequest, schema: { params: S.idParams } },
    async (req, reply) => {
      if (prefersHtml(req)) return reply.redirect(`/incidents/${encodeURIComponent(req.params.id)}`, 303);
      reply.header('vary', 'Accept');
      return publicState(await incidentState(client, req.params.id), config.intake.publicUrl);
    },
  );
}

/** POST `path` runs `action` as the token's person and answers the incident's summary. */
function updateRoute(
  app: FastifyInstance,
  opts: Options,
  path: string,
  body: object,
  action: IncidentAction,
) {
  app.post<{ Params: IdParams; Body: ActionFields | null }>(
    path,
    { schema: { params: S.idParams, body } },
    async (req) => {
      const actor = opts.auth.actorOf(req);
      return summarize(await act(opts.client, opts.metrics, req.params.id, action, actor, req.body ?? {}));
    },
  );
}

export const incidentRoutes: FastifyPluginAsync<Options> = async (app, opts) => {
  queryRoutes(app, opts);
  updateRoute(app, opts, '/v1/incidents/:id/ack', S.ackBody, 'ack');
  updateRoute(app, opts, '/v1/incidents/:id/notes', S.noteBody, 'note');
  updateRoute(app, opts, '/v1/incidents/:id/approve', S.decisionBody, 'approve');
  updateRoute(app, opts, '/v1/incidents/:id/reject', S.decisionBody, 'reject');
  updateRoute(app, opts, '/v1/incidents/:id/close', S.closeBody, 'close');
};
