/** How the intake answers a failed request: one JSON `{ error }` body, the status chosen by what failed. */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAlertPayloadError } from '../../frontend/alerts/errors';
import { IntakeError, refusalOf } from './errors';

type RequestError = Error & { statusCode?: number; validation?: unknown; code?: string };

/** Fastify error handler of every intake route; anything unexpected is a 503 (Temporal unreachable, …). */
export function intakeErrorHandler(
  err: RequestError,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (err.validation) return reply.code(422).send({ error: err.message });
  if (isAlertPayloadError(err)) return reply.code(422).send({ error: err.message });
  if (err instanceof IntakeError) return reply.code(err.statusCode).send({ error: err.message });
  if (err instanceof WorkflowNotFoundError)
    return reply.code(404).send({ error: `no such incident: ${err.workflowId}` });
  const refused = refusalOf(err);
  if (refused) return reply.code(refused.status).send({ error: refused.reason });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return reply.code(err.statusCode).send({ error: err.message });
  }
  req.log.error(err);
  return reply.code(503).send({ error: `intake could not reach Temporal or failed: ${err.message}` });
}
