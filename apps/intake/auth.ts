/**
 * Who is calling: the shared alert-webhook token, API tokens → person ids (the actor of an
 * incident update), and console sessions opened with those same tokens. Secrets are compared in
 * constant time. Reads (the incident API and the console) need one of them unless reads are
 * explicitly opened (`FIREBREAK_OPEN_READS`).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Actor, Channel } from '../../contracts/incident';
import { readCookies } from './cookies';
import { IntakeError } from './errors';
import { SessionKeys, tokenFingerprint } from './session';
import type { Session } from './session';

/** The caller of a read or console request. */
export type Identity =
  { person: string; via: 'bearer' } | { person: string; via: 'session'; session: Session };

/** The intake's view of its callers, built once per app from the configured tokens. */
export interface IntakeAuth {
  /** onRequest hook of the alert webhooks: 401 unless the alert token (when one is set) is given. */
  requireAlertToken(req: FastifyRequest): Promise<void>;
  /** The person an API token names (401 when it names none). */
  actorOf(req: FastifyRequest, channel?: Channel): Actor;
  /** A Bearer token first, else the console session cookie; undefined for an anonymous caller. */
  identify(req: FastifyRequest): Identity | undefined;
  /** onRequest hook of reads: 401 unless the caller is identified or reads are open. */
  requireReader(req: FastifyRequest): Promise<void>;
  /** The person an API token names, if any. */
  personOfToken(token: string): string | undefined;
  /** Reads need no credentials (an explicit setting). */
  readonly openReads: boolean;
  readonly sessions: SessionKeys;
  /** Cookies are Secure (the public URL is https). */
  readonly secureCookies: boolean;
  /** Name of the session cookie (`__Host-` prefixed when Secure). */
  readonly sessionCookie: string;
  /** How many person tokens are configured. */
  readonly personTokenCount: number;
}

/** How reads and console sessions work (sessions default to a random key: tests only). */
export interface AuthOptions {
  sessions?: SessionKeys;
  openReads?: boolean;
  secureCookies?: boolean;
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
export function createAuth(
  alertToken: string | undefined,
  tokens: Record<string, string>,
  opts: AuthOptions = {},
): IntakeAuth {
  const personOfToken = (token: string) => Object.entries(tokens).find(([t]) => sameSecret(t, token))?.[1];
  const fingerprints = (person: string) =>
    Object.entries(tokens)
      .filter(([, p]) => p === person)
      .map(([t]) => tokenFingerprint(t));
  const sessions = opts.sessions ?? new SessionKeys(randomBytes(32).toString('hex'), 12 * 3_600_000);
  const secureCookies = opts.secureCookies ?? false;
  const sessionCookie = secureCookies ? '__Host-fb_session' : 'fb_session';
  const openReads = opts.openReads ?? false;

  const identify = (req: FastifyRequest): Identity | undefined => {
    const token = bearer(req);
    if (token) {
      const person = personOfToken(token);
      return person ? { person, via: 'bearer' } : undefined;
    }
    const session = sessions.read(readCookies(req)[sessionCookie], fingerprints);
    return session ? { person: session.person, via: 'session', session } : undefined;
  };

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
      const person = personOfToken(token);
      if (!person) throw new IntakeError(401, 'API token is not valid');
      return { person, channel };
    },
    identify,
    requireReader: async (req) => {
      if (openReads || identify(req)) return;
      throw new IntakeError(
        401,
        bearer(req) ? 'API token is not valid' : 'reading incidents needs Authorization: Bearer <API token>',
      );
    },
    personOfToken,
    openReads,
    sessions,
    secureCookies,
    sessionCookie,
    personTokenCount: Object.keys(tokens).length,
  };
}
