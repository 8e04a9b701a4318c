/**
 * The incident API for humans: list and show (open to anyone who can reach the intake), and the
 * updates — ack, notes, approve, reject, close — as the person an API token names. The workflow's
 * update validators decide whether that person may; a refusal is recorded on the incident.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Actor, IncidentState, RefusalSignal } from '../../../contracts/incident';
import {
  ackUpdate,
  approveUpdate,
  closeUpdate,
  noteUpdate,
  rejectUpdate,
} from '../../../workflows/definitions';
import { recordRefusal, updateRefusal } from '../audit';
import type { IntakeContext } from '../context';
import { handleOfIncident, incidentState } from '../incident-lookup';
import { publicState } from '../public-state';
import { queryValidatorCompiler } from '../querystring';
import * as S from '../schemas';
import { IncidentLister } from '../incident-list';
import type { ListQuery } from '../incident-list';
import { summarize } from '../summary';

type Options = Pick<IntakeContext, 'client' | 'config' | 'metrics' | 'auth'>;
type IdParams = { id: string };

function queryRoutes(app: FastifyInstance, { client, config }: Options): void {
  // Rows come from a cache refreshed behind the answer, so a busy worker cannot stall the list.
  const lister = new IncidentLister(client);
  app.get<{ Querystring: ListQuery }>(
    '/v1/incidents',
    { schema: { querystring: S.listQuery }, validatorCompiler: queryValidatorCompiler },
    async (req) => ({ incidents: await lister.list(req.query) }),
  );

  app.get<{ Params: IdParams }>('/v1/incidents/:id', { schema: { params: S.idParams } }, async (req) =>
    publicState(await incidentState(client, req.params.id), config.intake.publicUrl),
  );
}

/**
 * POST `path` runs `run` as the token's person and answers the incident's summary; a refusal is
 * recorded on the incident's audit trail, then answered by the error handler.
 */
function updateRoute<B>(
  app: FastifyInstance,
  { client, auth }: Options,
  route: { path: string; body: object; action: RefusalSignal['action'] },
  run: (id: string, actor: Actor, body: B) => Promise<IncidentState>,
): void {
  app.post<{ Params: IdParams; Body: B | null }>(
    route.path,
    { schema: { params: S.idParams, body: route.body } },
    async (req) => {
      const actor = auth.actorOf(req);
      const { id } = req.params;
      const body = (req.body ?? {}) as B;
      try {
        return summarize(await run(id, actor, body));
      } catch (err) {
        const reason = updateRefusal(err);
        if (reason) {
          const stepId = (body as { stepId?: unknown }).stepId;
          await recordRefusal(client, id, {
            actor,
            action: route.action,
            ...(typeof stepId === 'string' ? { stepId } : {}),
            reason,
          });
        }
        throw err;
      }
    },
  );
}

type Comment = { comment?: string };
const comment = (b: Comment) => (b.comment ? { comment: b.comment } : {});

function updateRoutes(app: FastifyInstance, opts: Options): void {
  const { client, metrics } = opts;
  const handle = (id: string) => handleOfIncident(client, id);
  updateRoute<Comment>(
    app,
    opts,
    { path: '/v1/incidents/:id/ack', body: S.ackBody, action: 'ack' },
    async (id, actor, b) => (await handle(id)).executeUpdate(ackUpdate, { args: [{ actor, ...comment(b) }] }),
  );
  updateRoute<{ text: string }>(
    app,
    opts,
    { path: '/v1/incidents/:id/notes', body: S.noteBody, action: 'note' },
    async (id, actor, b) => (await handle(id)).executeUpdate(noteUpdate, { args: [{ actor, text: b.text }] }),
  );
  for (const decision of ['approve', 'reject'] as const) {
    const update = decision === 'approve' ? approveUpdate : rejectUpdate;
    updateRoute<{ stepId: string } & Comment>(
      app,
      opts,
      { path: `/v1/incidents/:id/${decision}`, body: S.decisionBody, action: decision },
      async (id, actor, b) => {
        try {
          const s = await (
            await handle(id)
          ).executeUpdate(update, {
            args: [{ stepId: b.stepId, actor, ...comment(b) }],
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
  updateRoute<{ outcome?: 'resolved' | 'failed' } & Comment>(
    app,
    opts,
    { path: '/v1/incidents/:id/close', body: S.closeBody, action: 'close' },
    async (id, actor, b) =>
      (await handle(id)).executeUpdate(closeUpdate, {
        args: [{ actor, outcome: b.outcome ?? 'resolved', ...comment(b) }],
      }),
  );
}

export const incidentRoutes: FastifyPluginAsync<Options> = async (app, opts) => {
  queryRoutes(app, opts);
  updateRoutes(app, opts);
};
