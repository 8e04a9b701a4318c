/**
 * HTML forms: `application/x-www-form-urlencoded` bodies, and the same-origin check every form
 * POST passes (besides SameSite=Strict cookies and the per-form token).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IntakeError } from './errors';

/** Form bodies of at most this many bytes (a note is the longest field, 20,000 characters). */
const FORM_LIMIT = 128 * 1024;

/** Lets the routes of `app` (an encapsulated plugin) read form bodies as `Record<string, string>`. */
export function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT },
    (_req, body, done) => {
      const out: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) if (!(k in out)) out[k] = v;
      done(null, out);
    },
  );
}

/** A form field as a string ('' when absent or not a string). */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | null | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

/**
 * Refuses a POST another site's page made the browser send: `Sec-Fetch-Site` or `Origin` say
 * where it came from (a client that sends neither, like curl with a Bearer token, passes).
 */
export function assertSameOrigin(req: FastifyRequest, publicUrl: string): void {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    throw new IntakeError(403, `refused a form posted from another site (Sec-Fetch-Site: ${site})`);
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const host = req.headers.host ?? '';
  const allowed = new Set([new URL(publicUrl).origin, `http://${host}`, `https://${host}`]);
  if (!allowed.has(origin)) throw new IntakeError(403, `refused a form posted from origin ${origin}`);
}

/** A local path to go on to after signing in (never another site). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/u.test(next) && next.length < 2000 ? next : '/';
}
