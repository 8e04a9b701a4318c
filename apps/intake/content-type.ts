/**
 * Webhooks are JSON. Fastify parses `text/plain` bodies too (into a string), which the schema would
 * then refuse as "body must be object" (422); a sender with any other content type gets 415
 * naming the one expected instead.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Route `preParsing` hook: 415 unless the body is sent as `application/json` (or `+json`). It runs
 * before any body parser, so every other type gets the same answer.
 */
export async function requireJsonBody<P>(req: FastifyRequest, reply: FastifyReply, payload: P): Promise<P> {
  const type = req.headers['content-type'];
  if (type !== undefined && JSON_TYPE.test(type)) return payload;
  await reply.code(415).send({
    error: `content type ${type ? `"${type}"` : '(none)'} is not accepted: send the webhook as application/json`,
  });
  return payload;
}
