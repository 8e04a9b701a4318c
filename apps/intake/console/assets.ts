/**
 * The console's only stylesheet and script, served from the intake itself (`/console/app.css`,
 * `/console/app.js`) so the Content-Security-Policy can forbid every inline script and style.
 * No build step: plain CSS and a small progressive-enhancement script — every page works without
 * it; with it, pages update live.
 */

export const CONSOLE_CSS = `
:root { --fg:#1b1f24; --muted:#5b636e; --line:#d8dde3; --bg:#fff; --soft:#f4f6f8; --ok:#2e7d32;
  --bad:#c62828; --warn:#b26a00; --link:#0b57d0; --focus:#ffbf47; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
a { color:var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible
  { outline:3px solid var(--focus); outline-offset:2px; }
.skip { position:absolute; left:-999px; } .skip:focus { left:8px; top:8px; background:var(--bg); padding:8px; z-index:9; }
header.top { display:flex; flex-wrap:wrap; gap:8px 16px; align-items:center; justify-content:space-between;
  padding:10px 16px; border-bottom:1px solid var(--line); background:var(--soft); }
header.top .brand { font-weight:700; text-decoration:none; color:var(--fg); }
header.top form { display:inline; margin:0; }
main { padding:12px 16px 40px; max-width:72rem; margin:0 auto; }
h1 { font-size:1.35rem; margin:8px 0 4px; overflow-wrap:anywhere; }
h2 { font-size:1.1rem; margin:24px 0 8px; border-bottom:1px solid var(--line); padding-bottom:4px; }
h3 { font-size:1rem; margin:12px 0 4px; overflow-wrap:anywhere; }
.muted { color:var(--muted); }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:.85rem; background:var(--soft); border:1px solid var(--line); white-space:nowrap; }
.sev-P0 { background:#fde7e7; border-color:#f3b4b4; } .sev-P1 { background:#fff1dc; border-color:#f1cf9a; }
.st-resolved { background:#e6f4ea; border-color:#a8d5b5; } .st-failed, .st-escalated { background:#fde7e7; border-color:#f3b4b4; }
.st-awaiting_approval { background:#fff8d6; border-color:#e8d681; }
.flash { padding:10px 12px; border-radius:6px; margin:8px 0; border:1px solid var(--line); background:var(--soft); }
.flash.ok { border-color:#a8d5b5; background:#e6f4ea; } .flash.bad { border-color:#f3b4b4; background:#fde7e7; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 12px; margin:0; }
dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; overflow-wrap:anywhere; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; overflow-wrap:anywhere; }
pre, code { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.9rem; }
pre { background:var(--soft); padding:8px; overflow-x:auto; white-space:pre-wrap; overflow-wrap:anywhere; margin:4px 0; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 12px; margin:10px 0; }
.card.pending { border-color:#e8d681; background:#fffdf0; }
form.stack { display:grid; gap:8px; margin:8px 0; max-width:40rem; }
form.filters { display:flex; flex-wrap:wrap; gap:8px; align-items:end; margin:8px 0 12px; }
form.filters label { display:grid; gap:2px; font-size:.85rem; color:var(--muted); }
input, select, textarea { font:inherit; padding:8px; border:1px solid #9aa3ad; border-radius:6px; min-height:44px; background:#fff; color:var(--fg); }
textarea { min-height:4.5rem; width:100%; }
button { font:inherit; min-height:44px; padding:8px 16px; border-radius:6px; border:1px solid #6b7480; background:#fff; cursor:pointer; }
button.approve { background:var(--ok); color:#fff; border-color:var(--ok); }
button.reject, button.danger { background:var(--bad); color:#fff; border-color:var(--bad); }
button[disabled] { opacity:.5; cursor:not-allowed; }
.buttons { display:flex; flex-wrap:wrap; gap:8px; }
ul.incidents { list-style:none; padding:0; margin:0; }
ul.incidents li { border-bottom:1px solid var(--line); padding:10px 4px; }
ul.incidents li a.title { font-weight:600; overflow-wrap:anywhere; }
ol.timeline { padding-left:1.4rem; } ol.timeline li { margin:4px 0; overflow-wrap:anywhere; }
details > summary { cursor:pointer; min-height:32px; }
.live-note { font-size:.85rem; color:var(--muted); }
@media (max-width: 600px) {
  body { font-size:15px; } main { padding:8px 10px 32px; }
  dl.facts { grid-template-columns:1fr; } dl.facts dt { margin-top:6px; }
  table.stack thead { display:none; } table.stack tr { display:block; border-bottom:1px solid var(--line); padding:6px 0; }
  table.stack td { display:block; border:0; padding:2px 0; }
  table.stack td[data-label]::before { content:attr(data-label) ": "; color:var(--muted); }
  .buttons button { flex:1 1 auto; }
}
`;

/**
 * Live updates: the page names what it shows (`data-live` on <body>); the server's event stream
 * says when that changed; the script fetches the page again and swaps the parts marked
 * `data-live-part` — except a part holding the focus or text someone is typing, which is kept
 * and flagged. Without EventSource (or when the stream fails) it polls every 2 s.
 */
export const CONSOLE_JS = `
(function () {
  'use strict';
  // Landing here from a link in another site's page (webmail), the browser held back the
  // SameSite=Strict session cookie; a same-origin request carries it: go on if signed in.
  var signin = document.getElementById('signin');
  if (signin && window.fetch) {
    fetch('/console/session', { credentials: 'same-origin' }).then(function (res) {
      if (res.ok) location.replace(signin.getAttribute('data-next') || '/');
    }).catch(function () {});
  }
})();
(function () {
  'use strict';
  var topic = document.body.getAttribute('data-live');
  var note = document.getElementById('live-note');
  if (!topic) return;
  var busy = false, again = false, timer = null;
  function dirty(el) {
    if (el.contains(document.activeElement) && document.activeElement !== document.body) return true;
    var fields = el.querySelectorAll('textarea, input[type=text]');
    for (var i = 0; i < fields.length; i++) if (fields[i].value) return true;
    return false;
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: 'same-origin', headers: { 'X-Firebreak-Fragment': '1' } })
      .then(function (res) {
        if (res.status === 401) { location.href = '/signin?next=' + encodeURIComponent(location.pathname + location.search); return null; }
        return res.ok ? res.text() : null;
      })
      .then(function (text) {
        if (!text) return;
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var parts = doc.querySelectorAll('[data-live-part]');
        var kept = 0;
        for (var i = 0; i < parts.length; i++) {
          var old = document.getElementById(parts[i].id);
          if (!old) continue;
          if (old.innerHTML === parts[i].innerHTML) continue;
          if (dirty(old)) { kept++; continue; }
          old.innerHTML = parts[i].innerHTML;
        }
        if (doc.title) document.title = doc.title;
        if (note) note.textContent = kept ? 'Updated (a part you are editing was kept; reload to see it).' : 'Live: updated ' + new Date().toLocaleTimeString() + '.';
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  function poll() { if (!timer) timer = setInterval(refresh, 2000); }
  if (window.EventSource) {
    var es = new EventSource('/console/events?topic=' + encodeURIComponent(topic));
    es.addEventListener('change', refresh);
    // A change between this page's render and the stream opening would otherwise be missed.
    es.onopen = function () { if (note) note.textContent = 'Live: this page updates by itself.'; refresh(); };
    es.onerror = function () { if (es.readyState === 2) poll(); };
  } else {
    poll();
  }
  var filters = document.querySelector('form.filters');
  if (filters) filters.addEventListener('change', function (e) { if (e.target.tagName === 'SELECT') filters.submit(); });
})();
`;
