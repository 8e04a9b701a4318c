/**
 * The incident page's record of what ran: each step with its rendered command and every host's
 * outcome and output (masked), and the timeline, oldest first like the report's.
 */
import type { HostRecord, IncidentState, StepRecord } from '../../../contracts/incident';
import { eventLabel } from '../../../services/report/timeline';
import { html } from './html';
import type { Html } from './html';

type Mask = (text: string) => string;

function hostView(h: HostRecord, mask: Mask): Html {
  const outcome = h.ok ? 'ok' : 'failed';
  const exit =
    h.exitCode === null ? (h.signal ? `signal ${h.signal}` : 'no exit code') : `exit ${h.exitCode}`;
  const values = Object.entries(h.values)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  return html`<details${h.ok ? '' : html` open`}>
    <summary><b>${mask(h.host)}</b> — ${outcome}, ${exit}, ${h.durationMs} ms${h.replayed ? ' (recorded result)' : ''}</summary>
    ${values ? html`<div>values: <code>${mask(values)}</code></div>` : ''}
    ${h.error ? html`<div class="flash bad">${mask(h.error)}</div>` : ''}
    ${
      h.stdout
        ? html`<div class="muted">stdout${h.truncated ? ' (truncated)' : ''}</div>
            <pre>${mask(h.stdout)}</pre>`
        : ''
    }
    ${
      h.stderr
        ? html`<div class="muted">stderr</div>
            <pre>${mask(h.stderr)}</pre>`
        : ''
    }
    ${!h.stdout && !h.stderr ? html`<div class="muted">no output</div>` : ''}
  </details>`;
}

function stepView(s: StepRecord, mask: Mask): Html {
  const facts = [
    s.phase,
    s.action ? `action ${s.action}` : '',
    s.target ? `target ${s.target}` : '',
    s.attempts && s.attempts > 1 ? `${s.attempts} attempts` : '',
    s.automated ? 'automated' : '',
    s.decidedBy ? `${s.decidedBy.decision} by ${s.decidedBy.person} (${s.decidedBy.channel})` : '',
  ].filter((f) => f !== '');
  return html`<div class="card" id="step-${s.id}">
    <h3>${mask(s.title)} <span class="badge st-${s.status}">${s.status.replace('_', ' ')}</span></h3>
    <div class="muted"><code>${mask(s.id)}</code> · ${facts.join(' · ')}</div>
    ${s.condition ? html`<div>when <code>${mask(s.condition.expr)}</code> → ${s.condition.error ? mask(`error: ${s.condition.error}`) : String(s.condition.result)}</div>` : ''}
    ${s.command !== undefined ? html`<pre>${mask(s.command)}</pre>` : ''}
    ${s.decidedBy?.comment ? html`<div>comment: ${mask(s.decidedBy.comment)}</div>` : ''}
    ${s.error ? html`<div class="flash bad">${mask(s.error)}</div>` : ''}
    ${s.hosts.map((h) => hostView(h, mask))}
  </div>`;
}

export function stepsView(state: IncidentState, mask: Mask): Html {
  return html`<section id="steps" data-live-part aria-labelledby="steps-h">
    <h2 id="steps-h">Steps</h2>
    ${state.steps.length === 0 ? html`<p class="muted">No step has run yet.</p>` : state.steps.map((s) => stepView(s, mask))}
  </section>`;
}

export function timelineView(state: IncidentState, mask: Mask): Html {
  return html`<section id="timeline" data-live-part aria-labelledby="timeline-h">
    <h2 id="timeline-h">Timeline</h2>
    <ol class="timeline">
      ${state.timeline.map(
        (e) =>
          html`<li>
            <time datetime="${e.at}">${e.at}</time>
            <b>${eventLabel(e.kind)}</b>${e.actor ? html` · ${e.actor.person} (${e.actor.channel})` : ''} —
            ${mask(e.message)}
          </li>`,
      )}
    </ol>
  </section>`;
}
