/**
 * The page shell every console page shares: viewport for phones, a skip link for keyboards, the
 * signed-in person with a sign-out form, and the one stylesheet and script (no inline code, so
 * the Content-Security-Policy forbids any).
 */
import { html } from './html';
import type { Html } from './html';

/** Headers of every console page: nothing inline runs, nothing frames it, nothing is cached. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Who is looking at a page. */
export interface Viewer {
  person: string;
  /** The sign-out form's token; absent for a Bearer caller (nothing to sign out of). */
  csrf?: string;
}

/** One console page: its title, viewer, live topic, flash message and body. */
export interface PageOptions {
  title: string;
  viewer?: Viewer;
  /** What the page shows, for live updates (`list`, `incident:<id>`); none: a static page. */
  live?: string;
  flash?: { ok: boolean; text: string };
  body: Html;
}

function topBar(viewer: Viewer | undefined): Html {
  const who = viewer
    ? html`<span>Signed in as <b>${viewer.person}</b></span> ${
          viewer.csrf
            ? html`<form method="post" action="/signout">
                <input type="hidden" name="csrf" value="${viewer.csrf}" /><button type="submit">
                  Sign out
                </button>
              </form>`
            : ''
        }`
    : '';
  return html`<header class="top">
    <a class="brand" href="/">Firebreak</a>
    <nav>${who}</nav>
  </header>`;
}

export function flashBox(flash: PageOptions['flash']): Html | '' {
  if (!flash) return '';
  return html`<p class="flash ${flash.ok ? 'ok' : 'bad'}" role="status">${flash.text}</p>`;
}

/** A whole page. */
export function page(o: PageOptions): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} — Firebreak</title>
<link rel="stylesheet" href="/console/app.css">
<script src="/console/app.js" defer></script>
</head>
<body${o.live ? html` data-live="${o.live}"` : ''}>
<a class="skip" href="#main">Skip to content</a>
${topBar(o.viewer)}
<main id="main">
${flashBox(o.flash)}
${o.body}
${o.live ? html`<p id="live-note" class="live-note" aria-live="polite"></p>` : ''}
</main>
</body></html>`.text;
}
