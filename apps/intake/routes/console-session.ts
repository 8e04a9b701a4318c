/**
 * Console sign-in and sign-out, the session probe, the stylesheet and script, and the live event
 * stream. A person signs in with their API token from the on-call config; the session is an
 * HttpOnly, SameSite=Strict cookie (Secure over https) that expires.
 */
import type { FastifyInstance } from 'fastify';
import { CONSOLE_CSS, CONSOLE_JS } from '../console/assets';
import type { LiveHub } from '../console/live';
import { clearSession, formActor, sendPage } from '../console/requests';
import { signinBody } from '../console/signin-view';
import { readCookies, setCookie } from '../cookies';
import type { IntakeContext } from '../context';
import { IntakeError } from '../errors';
import { assertSameOrigin, field, safeNext } from '../forms';
import { SessionKeys } from '../session';

type Ctx = Pick<IntakeContext, 'auth' | 'config'>;

/** The sign-in form's pre-session cookie (binds its form token); short-lived. */
const PRE_COOKIE = 'fb_signin';
const PRE_MAX_AGE_S = 3600;

function assetRoutes(app: FastifyInstance): void {
  const asset = (path: string, type: string, body: string) =>
    app.get(path, async (_req, reply) =>
      reply
        .type(type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .send(body),
    );
  asset('/console/app.css', 'text/css; charset=utf-8', CONSOLE_CSS);
  asset('/console/app.js', 'text/javascript; charset=utf-8', CONSOLE_JS);
}

function signinRoutes(app: FastifyInstance, { auth, config }: Ctx): void {
  const secure = auth.secureCookies;
  app.get<{ Querystring: { next?: string } }>('/signin', async (req, reply) => {
    const next = safeNext(req.query.next);
    if (auth.identify(req)) return reply.redirect(next, 303);
    const pre = readCookies(req)[PRE_COOKIE] || SessionKeys.newId();
    setCookie(reply, PRE_COOKIE, pre, { maxAge: PRE_MAX_AGE_S, secure });
    return sendPage(reply, 200, {
      title: 'Sign in',
      body: signinBody({ csrf: auth.sessions.formToken('signin', pre), next }),
    });
  });

  app.post('/signin', async (req, reply) => {
    assertSameOrigin(req, config.intake.publicUrl);
    const next = safeNext(field(req.body, 'next'));
    const pre = readCookies(req)[PRE_COOKIE] ?? '';
    const again = (status: number, error: string) => {
      const fresh = pre || SessionKeys.newId();
      setCookie(reply, PRE_COOKIE, fresh, { maxAge: PRE_MAX_AGE_S, secure });
      return sendPage(reply, status, {
        title: 'Sign in',
        body: signinBody({ csrf: auth.sessions.formToken('signin', fresh), next, error }),
      });
    };
    if (!pre || !auth.sessions.checkFormToken('signin', pre, field(req.body, 'csrf'))) {
      return again(403, 'The sign-in form expired or did not come from this console; please try again.');
    }
    const token = field(req.body, 'token').trim();
    const person = token ? auth.personOfToken(token) : undefined;
    if (!person) {
      req.log.warn('console sign-in refused: unknown token');
      return again(401, 'That token is not valid. Use the API token the on-call config names for you.');
    }
    const { value } = auth.sessions.issue(person, token);
    // The cookie and the session inside it expire together.
    setCookie(reply, auth.sessionCookie, value, { maxAge: auth.sessions.ttlMs / 1000, secure });
    setCookie(reply, PRE_COOKIE, '', { maxAge: 0, secure });
    req.log.info({ person }, 'console sign-in');
    return reply.redirect(next, 303);
  });

  app.post('/signout', async (req, reply) => {
    assertSameOrigin(req, config.intake.publicUrl);
    const id = formActor(auth, req);
    if (id.via === 'session') auth.sessions.revoke(id.session);
    clearSession(auth, reply);
    return reply.redirect('/signin', 303);
  });

  app.get('/console/session', async (req, reply) => {
    const id = auth.identify(req);
    if (!id) return reply.code(401).send({ error: 'not signed in' });
    return reply.header('cache-control', 'no-store').send({ person: id.person, via: id.via });
  });
}

function eventRoutes(app: FastifyInstance, { auth }: Ctx, live: LiveHub): void {
  app.get<{ Querystring: { topic?: string } }>('/console/events', async (req, reply) => {
    const id = auth.identify(req);
    if (!id && !auth.openReads) throw new IntakeError(401, 'sign in to watch incidents');
    const topic = req.query.topic ?? '';
    if (!/^(list|incident:[^\s]{1,300})$/u.test(topic))
      throw new IntakeError(422, `unknown topic "${topic}"`);
    reply.hijack();
    live.watch(topic, reply.raw, id?.via === 'session' ? id.session.expiresAt : undefined);
  });
}

/** Registers sign-in/out, the session probe, assets and the event stream on `app`. */
export function sessionRoutes(app: FastifyInstance, ctx: Ctx, live: LiveHub): void {
  assetRoutes(app);
  signinRoutes(app, ctx);
  eventRoutes(app, ctx, live);
}
