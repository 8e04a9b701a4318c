/**
 * Who is calling: the shared alert-webhook token, and API tokens → person ids (the actor of an
 * incident update). Secrets are compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Actor, Channel } from '../../contracts/incident';
import { IntakeError } from './errors';

/** The intake's view of its callers, built once per app from the configured tokens. */
export interface IntakeAuth {
  /** onRequest hook of the alert webhooks: 401 unless the alert token (when one is set) is given. */
  requireAlertToken(req: FastifyRequest): Promise<void>;
  /** The person an API token names (401 when it names none). */
  actorOf(req: FastifyRequest, channel?: Channel): Actor;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

/**
 * @param alertToken the token alert senders must present; none set means the webhooks are open
 * @param tokens API token → person id
 */
export function createAuth(alertToken: string | undefined, tokens: Record<string, string>): IntakeAuth {
  return {
    requireAlertToken: async (req) => {
      if (!alertToken) return;
      const given = bearer(req);
      if (!given) throw new IntakeError(401, 'missing Authorization: Bearer token for alert webhooks');
      if (!sameSecret(given, alertToken)) throw new IntakeError(401, 'alert webhook token is not valid');
    },
    actorOf: (req, channel = 'api') => {
      const token = bearer(req);
      if (!token) throw new IntakeError(401, 'missing Authorization: Bearer <API token>');
      const person = Object.entries(tokens).find(([t]) => sameSecret(t, token))?.[1];
      if (!person) throw new IntakeError(401, 'API token is not valid');
      return { person, channel };
    },
  };
}
