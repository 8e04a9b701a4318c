/**
 * The incident API: list and show (for callers with an API token or a console session, or anyone
 * when reads are explicitly open), and the updates — ack, notes, approve, reject, close — as the
 * person an API token names. The workflow's update validators decide whether that person may; a
 * refusal is recorded on the incident. `GET /v1/incidents/:id` is also the incident link of mails
 * and reports: a browser (Accept: text/html) is sent on to the console page.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { INCIDENT_WORKFLOW } from '../../../workflows/definitions';
import type { IntakeContext } from '../context';
import { incidentState, stateOf } from '../incident-lookup';
import { runOf } from '../incident-runs';
import { prefersHtml } from '../negotiate';
import { publicState } from '../public-state';
import { act } from '../updates';
import type { ActionFields, IncidentAction } from '../updates';
import { queryValidatorCompiler } from '../querystring';
import * as S from '../schemas';
import { fromVisibility, summarize } from '../summary';
import { mapLimit } from '../map-limit';

type Options = Pick<IntakeContext, 'client' | 'config' | 'metrics' | 'auth'>;
type IdParams = { id: string };
type ListQuery = { limit?: number; status?: 'open' | 'closed' | 'all' };

export async function listExecutions(client: Client, q: ListQuery): Promise<WorkflowExecutionInfo[]> {
  const limit = q.limit ?? 100;
  let query = `WorkflowType = '${INCIDENT_WORKFLOW}'`;
  if (q.status === 'open') query += ` AND ExecutionStatus = 'Running'`;
  if (q.status === 'closed') query += ` AND ExecutionStatus != 'Running'`;
  const execs: WorkflowExecutionInfo[] = [];
  for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    // A run that continued as new is the same incident as the run after it, listed on its own.
    if (w.status.name === 'CONTINUED_AS_NEW') continue;
    execs.push(w);
    if (execs.length >= limit) break;
  }
  return execs;
}

function queryRoutes(app: FastifyInstance, { client, config, auth }: Options): void {
  // Credentials first (401 before any 422); a browser is sent on to the console, which asks itself.
  const onRequest = async (req: FastifyRequest) => {
    if (!prefersHtml(req)) await auth.requireReader(req);
  };
  app.get<{ Querystring: ListQuery }>(
    '/v1/incidents',
    { onRequest, schema: { querystring: S.listQuery }, validatorCompiler: queryValidatorCompiler },
    async (req, reply) => {
      if (prefersHtml(req)) return reply.redirect('/', 303);
      const execs = await listExecutions(client, req.query);
      const incidents = await mapLimit(execs, 8, async (w) => {
        try {
          return summarize(await stateOf(client, { ...runOf(w), running: w.status.name === 'RUNNING' }));
        } catch {
          return fromVisibility(w);
        }
      });
      return { incidents };
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
