/** Cookies of the console: reading the `Cookie` header and writing `Set-Cookie` with safe defaults. */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Every cookie of the request (the first of a repeated name wins). */
export function readCookies(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name in out) continue;
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a cookie that is not ours and not valid percent-encoding
    }
  }
  return out;
}

/** How long a cookie lives and whether it travels over https only. */
export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  /** Send only over https (always set when the public URL is https). */
  secure: boolean;
}

/**
 * Appends a `Set-Cookie`: HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * makes the browser send it), Path=/, Secure over https.
 */
export function setCookie(reply: FastifyReply, name: string, value: string, opts: CookieOptions): void {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(opts.maxAge))}`,
  ];
  if (opts.secure) parts.push('Secure');
  const prev = reply.getHeader('set-cookie');
  const list = Array.isArray(prev) ? prev.map(String) : prev === undefined ? [] : [String(prev)];
  reply.header('set-cookie', [...list, parts.join('; ')]);
}
