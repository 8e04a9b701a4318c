/** Content negotiation: the incident URL in mails and reports serves HTML to browsers, JSON to APIs. */
import type { FastifyRequest } from 'fastify';

function quality(accept: string, type: string): number {
  let best = -1;
  for (const part of accept.split(',')) {
    const [media = '', ...params] = part.trim().toLowerCase().split(';');
    const [main, sub] = type.split('/');
    const matches = media === type || media === `${main}/*` || media === '*/*';
    if (!matches) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/u.exec(p)?.[1]).find((v) => v !== undefined);
    // A more specific match wins over a wildcard at the same quality.
    const specificity = media === type ? 0.0002 : media === `${main}/*` ? 0.0001 : 0;
    best = Math.max(best, (q === undefined ? 1 : Number(q)) + specificity);
    void sub;
  }
  return best;
}

/** True when the caller prefers HTML over JSON (a browser); `*\/*` or no Accept means JSON. */
export function prefersHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept;
  if (!accept) return false;
  const h = quality(accept, 'text/html');
  return h > 0 && h > quality(accept, 'application/json');
}
