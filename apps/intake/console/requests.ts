/**
 * What every console route asks of a request: who is looking (Bearer token or session), the
 * viewer a page shows (with the form token of their session), and the answer for someone who
 * must sign in first.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, IntakeAuth } from '../auth';
import { setCookie } from '../cookies';
import { IntakeError } from '../errors';
import { field } from '../forms';
import type { Viewer } from './layout';
import { PAGE_HEADERS, page } from './layout';
import type { PageOptions } from './layout';

/** The viewer of a page: the person, and the token their forms carry (sessions only). */
export function viewerOf(auth: IntakeAuth, id: Identity | undefined): Viewer | undefined {
  if (!id) return undefined;
  return id.via === 'session'
    ? { person: id.person, csrf: auth.sessions.formToken('session', id.session.id) }
    : { person: id.person };
}

/** Sends a whole console page with its security headers. */
export function sendPage(reply: FastifyReply, status: number, opts: PageOptions): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).send(page(opts));
}

/** The identity a page needs, or undefined after redirecting to sign-in (reads may be open: then anonymous). */
export function pageIdentity(
  auth: IntakeAuth,
  req: FastifyRequest,
  reply: FastifyReply,
): { id: Identity | undefined } | undefined {
  const id = auth.identify(req);
  if (id || auth.openReads) return { id };
  void reply.redirect(`/signin?next=${encodeURIComponent(req.url)}`, 303);
  return undefined;
}

/**
 * Who posted a form: a Bearer caller as is; a session only with the form token of that session
 * (CSRF). Throws 401/403 otherwise.
 */
export function formActor(auth: IntakeAuth, req: FastifyRequest): Identity {
  const id = auth.identify(req);
  if (!id) throw new IntakeError(401, 'sign in first: your session has ended or was never opened');
  if (
    id.via === 'session' &&
    !auth.sessions.checkFormToken('session', id.session.id, field(req.body, 'csrf'))
  ) {
    throw new IntakeError(
      403,
      'this form has expired or did not come from this console; reload the page and try again',
    );
  }
  return id;
}

/** Ends the session cookie in the browser. */
export function clearSession(auth: IntakeAuth, reply: FastifyReply): void {
  setCookie(reply, auth.sessionCookie, '', { maxAge: 0, secure: auth.secureCookies });
}
