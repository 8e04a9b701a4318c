/** `GET /v1/alerts/unmatched`: the recent alerts no runbook matched, most recent first (this intake's). */
import type { FastifyPluginAsync } from 'fastify';
import { queryValidatorCompiler } from '../querystring';
import type { UnmatchedAlerts } from '../unmatched';

const unmatchedQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 } },
} as const;

export const unmatchedRoutes: FastifyPluginAsync<{ unmatched: UnmatchedAlerts }> = async (
  app,
  { unmatched },
) => {
  app.get<{ Querystring: { limit?: number } }>(
    '/v1/alerts/unmatched',
    { schema: { querystring: unmatchedQuery }, validatorCompiler: queryValidatorCompiler },
    async (req) => ({ alerts: unmatched.recent(req.query.limit ?? 50) }),
  );
};
