/**
 * `GET /v1/incidents/:id/report`: the post-incident report of any incident, open or closed,
 * rendered on demand from its state — so every intake serves every report, whichever worker
 * wrote (and mailed) its copy. Markdown by default, HTML for `?format=html` or a browser's
 * `Accept: text/html`.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { renderHtml, renderMarkdown } from '../../../services/report';
import type { ReportOptions } from '../../../services/report';
import type { IntakeContext } from '../context';
import { incidentState } from '../incident-lookup';
import { prefersHtml } from '../negotiate';
import * as S from '../schemas';

type Options = Pick<IntakeContext, 'client' | 'config' | 'auth' | 'masking'>;
type ReportRequest = FastifyRequest<{ Params: { id: string } }>;
type ReportQuery = { format?: 'md' | 'html' };

const reportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { format: { type: 'string', enum: ['md', 'html'] } },
} as const;

export const reportRoutes: FastifyPluginAsync<Options> = async (app, { client, config, auth, masking }) => {
  // Reports carry commands and their output: credentials as for every read. A browser without
  // them is sent to the console's copy of the report, which asks it to sign in.
  const onRequest = async (req: ReportRequest, reply: FastifyReply) => {
    if (auth.openReads || auth.identify(req)) return;
    if (prefersHtml(req)) {
      return reply.redirect(`/incidents/${encodeURIComponent(req.params.id)}/report`, 303);
    }
    await auth.requireReader(req);
  };
  const opts: ReportOptions = {
    secrets: masking.values(),
    masker: masking.mask,
    links: {
      incidentBaseUrl: `${config.intake.publicUrl.replace(/\/+$/u, '')}/v1/incidents`,
      ...(config.temporal.uiBaseUrl ? { temporalUiBaseUrl: config.temporal.uiBaseUrl } : {}),
      temporalNamespace: config.temporal.namespace,
    },
  };
  app.get<{ Params: { id: string }; Querystring: ReportQuery }>(
    '/v1/incidents/:id/report',
    { onRequest, schema: { params: S.idParams, querystring: reportQuery } },
    async (req, reply) => {
      const state = await incidentState(client, req.params.id);
      const html = req.query.format
        ? req.query.format === 'html'
        : /\btext\/html\b/u.test(req.headers.accept ?? '');
      reply.header('cache-control', 'no-store');
      if (html) return reply.type('text/html; charset=utf-8').send(renderHtml(state, opts));
      return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(state, opts));
    },
  );
};
