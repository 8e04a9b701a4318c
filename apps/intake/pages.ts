/** The small HTML pages a one-click approval link answers with. */
import { escapeHtml } from '../../services/notify/templates';

export function page(title: string, lines: string[], ok: boolean): string {
  const e = escapeHtml;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${e(title)}</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1 style="color:${ok ? '#2e7d32' : '#c62828'}">${e(title)}</h1>
${lines.map((l) => `<p>${e(l)}</p>`).join('\n')}
<p style="color:#777">Firebreak</p>
</body></html>`;
}
