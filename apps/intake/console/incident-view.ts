/**
 * The incident page: what is down (alert labels and annotations), where the incident stands
 * (severity, status, escalation level and when the next page goes out), pending approvals and
 * the actions a person may take, every step with its command and output, the timeline, and links
 * to the report and the Temporal UI. Everything from an alert or a command is masked and escaped.
 */
import type { IncidentState } from '../../../contracts/incident';
import { escalationLabel } from '../../../contracts/notifications';
import { approvalsView, humanActionsView } from './actions-view';
import { html } from './html';
import type { Html } from './html';
import type { Viewer } from './layout';
import { stepsView, timelineView } from './steps-view';

type Mask = (text: string) => string;

/** Where the incident page links to: its report, and the workflow in the Temporal UI. */
export interface IncidentPageLinks {
  report: string;
  temporal?: string;
}

function escalationText(state: IncidentState, now: number): string {
  const { escalation, oncall } = state;
  const at = escalationLabel(escalation.level, oncall?.levels[escalation.level]?.name);
  const pages = `${escalation.pages} page(s) so far`;
  if (escalation.stopped || !escalation.nextAt) {
    const why = state.acknowledged ? `acknowledged by ${state.acknowledged.by.person}` : 'paging stopped';
    return `paged ${at}; ${pages}; ${why}`;
  }
  const next = escalation.level + 1;
  const nextLevel = oncall?.levels[next] ? escalationLabel(next, oncall.levels[next]?.name) : `${at} again`;
  const mins = Math.max(0, Math.round((Date.parse(escalation.nextAt) - now) / 60_000));
  return `paged ${at}; ${pages}; next page to ${nextLevel} at ${escalation.nextAt} (in about ${mins} min) unless acknowledged`;
}

function summaryView(state: IncidentState, links: IncidentPageLinks, mask: Mask, now: number): Html {
  return html`<section id="summary" data-live-part aria-labelledby="summary-h">
    <h2 id="summary-h" class="muted">Summary</h2>
    <dl class="facts">
      <dt>Status</dt>
      <dd><span class="badge st-${state.status}" id="status">${state.status.replace('_', ' ')}</span></dd>
      <dt>Severity</dt>
      <dd><span class="badge sev-${state.severity}">${state.severity}</span></dd>
      <dt>Escalation</dt>
      <dd>${escalationText(state, now)}</dd>
      <dt>Runbook</dt>
      <dd>
        ${mask(state.runbook.title)} (<code>${state.runbook.id}</code>, plan
        ${state.runbook.planHash.slice(0, 12)})
      </dd>
      <dt>Service</dt>
      <dd>${mask(state.runbook.service)}</dd>
      <dt>Incident</dt>
      <dd><code>${state.id}</code></dd>
      <dt>Started</dt>
      <dd>${state.startedAt}</dd>
      <dt>${state.endedAt ? 'Ended' : 'Updated'}</dt>
      <dd>${state.endedAt ?? state.updatedAt}</dd>
      <dt>Alert deliveries</dt>
      <dd>${state.alertCount}${state.alertResolvedAt ? ` (resolved at ${state.alertResolvedAt})` : ''}</dd>
      <dt>Links</dt>
      <dd>
        <a href="${links.report}">Report</a
        >${links.temporal ? html` · <a href="${links.temporal}" rel="noopener">Temporal UI</a>` : ''}
      </dd>
    </dl>
  </section>`;
}

function pairs(title: string, id: string, entries: [string, string][], mask: Mask): Html {
  return html`<h3 id="${id}">${title}</h3>
    ${
      entries.length === 0
        ? html`<p class="muted">none</p>`
        : html`<table class="stack" aria-labelledby="${id}">
            <tbody>
              ${entries.map(
                ([k, v]) =>
                  html`<tr>
                    <th scope="row">${mask(k)}</th>
                    <td>${mask(v)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

/** A link target from an alert only when it is http(s): never `javascript:` or `data:`. */
function httpUrl(u: string | undefined): string | undefined {
  if (!u) return undefined;
  try {
    return ['http:', 'https:'].includes(new URL(u).protocol) ? u : undefined;
  } catch {
    return undefined;
  }
}

function alertView(state: IncidentState, mask: Mask): Html {
  const { alert } = state;
  return html`<section id="alert" aria-labelledby="alert-h">
    <h2 id="alert-h">Alert</h2>
    <p class="muted">
      ${alert.source} · ${alert.status} · fingerprint <code>${alert.fingerprint}</code> · starts
      ${alert.startsAt}${httpUrl(alert.generatorURL) ? html` · <a href="${httpUrl(alert.generatorURL)}" rel="noopener noreferrer">source</a>` : ''}
    </p>
    ${pairs('Labels', 'labels-h', Object.entries(alert.labels), mask)}
    ${pairs('Annotations', 'annotations-h', Object.entries(alert.annotations), mask)}
  </section>`;
}

/** The incident page's body. */
export function incidentBody(
  state: IncidentState,
  viewer: Viewer | undefined,
  links: IncidentPageLinks,
  mask: Mask,
  now = Date.now(),
): Html {
  const name = state.alert.labels.alertname ?? state.runbook.title;
  const summary = state.alert.annotations.summary ?? state.alert.annotations.description;
  return html`<p><a href="/">← All incidents</a></p>
    <h1>${mask(name)} <span class="muted">— ${mask(state.runbook.title)}</span></h1>
    ${summary ? html`<p>${mask(summary)}</p>` : ''} ${summaryView(state, links, mask, now)}
    ${approvalsView(state, viewer, mask)} ${humanActionsView(state, viewer)} ${alertView(state, mask)}
    ${stepsView(state, mask)} ${timelineView(state, mask)}`;
}
