/**
 * The incident list (`/`): open incidents first, newest first within each group; filters by
 * status, severity, service and runbook, and a search over ids and labels. Filters are a plain GET
 * form, so every filtered view is a link.
 */
import { INCIDENT_STATUSES } from '../../../contracts/incident';
import type { IncidentRow } from './data';
import { html } from './html';
import type { Html } from './html';

/** The list's filters, as read from the query string. */
export interface ListFilters {
  /** `open`, `closed`, or one incident status; empty: all. */
  status: string;
  severity: string;
  service: string;
  runbook: string;
  /** Case-insensitive text in the id, a label (`name=value` or the value), the title or the summary. */
  q: string;
}

function text(v: unknown, max = 200): string {
  return typeof v === 'string' ? v.slice(0, max) : '';
}

export function filtersFrom(query: Record<string, unknown>): ListFilters {
  return {
    status: text(query.status),
    severity: text(query.severity),
    service: text(query.service),
    runbook: text(query.runbook),
    q: text(query.q).trim(),
  };
}

function matches(r: IncidentRow, f: ListFilters): boolean {
  if (f.status === 'open' && !r.open) return false;
  if (f.status === 'closed' && r.open) return false;
  if (f.status && f.status !== 'open' && f.status !== 'closed' && r.status !== f.status) return false;
  if (f.severity && r.severity !== f.severity) return false;
  if (f.service && r.service !== f.service) return false;
  if (f.runbook && r.runbook !== f.runbook) return false;
  if (!f.q) return true;
  const q = f.q.toLowerCase();
  const hay = [r.id, r.title, r.summary, ...Object.entries(r.labels).flatMap(([k, v]) => [`${k}=${v}`, v])];
  return hay.some((h) => h.toLowerCase().includes(q));
}

/** Rows that pass the filters: open first, then newest first. */
export function filterRows(rows: IncidentRow[], f: ListFilters): IncidentRow[] {
  return rows
    .filter((r) => matches(r, f))
    .sort((a, b) => Number(b.open) - Number(a.open) || b.startedAt.localeCompare(a.startedAt));
}

function select(name: string, label: string, current: string, options: [string, string][]): Html {
  return html`<label
    >${label}
    <select name="${name}">
      ${options.map(([v, l]) => html`<option value="${v}" ${v === current ? html` selected` : ''}>${l}</option>`)}
    </select></label
  >`;
}

function distinct(rows: IncidentRow[], key: 'service' | 'runbook', current: string): [string, string][] {
  const values = [...new Set([...rows.map((r) => r[key]), current].filter((v) => v !== ''))].sort();
  return [['', 'all'], ...values.map((v): [string, string] => [v, v])];
}

function filterForm(all: IncidentRow[], f: ListFilters): Html {
  const statuses: [string, string][] = [
    ['', 'all'],
    ['open', 'open'],
    ['closed', 'closed'],
    ...INCIDENT_STATUSES.map((s): [string, string] => [s, s.replace('_', ' ')]),
  ];
  const severities: [string, string][] = [
    ['', 'all'],
    ...['P0', 'P1', 'P2', 'P3'].map((s): [string, string] => [s, s]),
  ];
  return html`<form class="filters" method="get" action="/" role="search">
    ${select('status', 'Status', f.status, statuses)}
    ${select('severity', 'Severity', f.severity, severities)}
    ${select('service', 'Service', f.service, distinct(all, 'service', f.service))}
    ${select('runbook', 'Runbook', f.runbook, distinct(all, 'runbook', f.runbook))}
    <label
      >Search id or label<input type="search" name="q" value="${f.q}" placeholder="service=qcat"
    /></label>
    <button type="submit">Filter</button>
    <a href="/">Clear</a>
  </form>`;
}

function rowView(r: IncidentRow): Html {
  const href = `/incidents/${encodeURIComponent(r.id)}`;
  const name = r.alertname || r.title || r.id;
  return html`<li data-id="${r.id}">
    <a class="title" href="${href}">${name}</a>
    ${r.severity ? html`<span class="badge sev-${r.severity}">${r.severity}</span>` : ''}
    <span class="badge st-${r.status}">${r.status.replace('_', ' ')}</span>
    ${r.pendingApprovals > 0 ? html`<span class="badge st-awaiting_approval">${r.pendingApprovals} approval(s) pending</span>` : ''}
    <div class="muted">
      ${r.service ? html`${r.service} · ` : ''}${r.runbook ? html`${r.runbook} · ` : ''}started
      ${r.startedAt}${r.acknowledgedBy ? html` · acked by ${r.acknowledgedBy}` : ''}
    </div>
    ${r.summary ? html`<div>${r.summary}</div>` : ''}
    <div class="muted"><code>${r.id}</code></div>
  </li>`;
}

/** The list page's body. */
export function listBody(all: IncidentRow[], f: ListFilters): Html {
  const rows = filterRows(all, f);
  const open = rows.filter((r) => r.open).length;
  return html`<h1>Incidents</h1>
    ${filterForm(all, f)}
    <div id="incident-list" data-live-part>
      <p class="muted">${rows.length} incident(s) shown, ${open} open.</p>
      ${
        rows.length === 0
          ? html`<p>No incidents match.</p>`
          : html`<ul class="incidents">
              ${rows.map(rowView)}
            </ul>`
      }
    </div>`;
}
