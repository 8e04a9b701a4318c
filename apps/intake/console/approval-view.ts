/**
 * The page an emailed approval link opens: what the step would run where, who is asked and until
 * when — and buttons that POST the decision. Opening the page decides nothing, so a mail
 * gateway's link scanner (GET or HEAD) cannot approve anything.
 */
import type { IncidentState, PendingApproval } from '../../../contracts/incident';
import type { ApprovalClaims } from '../../../services/notify/links';
import { html } from './html';
import type { Html } from './html';

type Mask = (text: string) => string;

/** What the confirmation page of one approval link shows. */
export interface ConfirmFacts {
  claims: ApprovalClaims;
  state: IncidentState;
  pending: PendingApproval;
  /** The form token bound to this link. */
  confirm: string;
  /** Where the form posts (the link itself). */
  action: string;
  mask: Mask;
}

function decisionButtons(first: 'approve' | 'reject'): Html {
  const approve = html`<button type="submit" name="decision" value="approve" class="approve">
    Approve
  </button>`;
  const reject = html`<button type="submit" name="decision" value="reject" class="reject">Reject</button>`;
  return first === 'approve' ? html`${approve}${reject}` : html`${reject}${approve}`;
}

export function confirmBody(f: ConfirmFacts): Html {
  const { claims, state, pending, mask } = f;
  const person = state.oncall?.people[claims.person];
  const title = pending.title ?? state.steps.find((s) => s.id === pending.stepId)?.title ?? pending.stepId;
  const where = [pending.target, pending.hosts?.length ? `hosts: ${pending.hosts.join(', ')}` : '']
    .filter(Boolean)
    .join(' — ');
  const alertname = state.alert.labels.alertname ?? state.runbook.title;
  const incidentUrl = `/incidents/${encodeURIComponent(state.id)}`;
  return html`<h1>${claims.decision === 'approve' ? 'Approve' : 'Reject'} “${mask(title)}”?</h1>
    <p class="flash" role="status">
      Nothing has been decided yet: opening this page decides nothing. Press a button to decide.
    </p>
    <dl class="facts">
      <dt>Incident</dt>
      <dd>
        <a href="${incidentUrl}">${state.id}</a> — ${mask(alertname)}, ${state.severity},
        ${state.status.replace('_', ' ')}
      </dd>
      <dt>Step</dt>
      <dd>${mask(title)} (<code>${pending.stepId}</code>)</dd>
      ${
        where
          ? html`<dt>Where</dt>
              <dd>${mask(where)}</dd>`
          : ''
      }
      <dt>Asked of</dt>
      <dd>
        ${person ? `${person.name} (${claims.person})` : claims.person}, one of the approvers:
        ${pending.approvers.join(', ')}
      </dd>
      <dt>Asked by</dt>
      <dd>
        runbook ${mask(state.runbook.title)} (<code>${state.runbook.id}</code>) at ${pending.requestedAt}
      </dd>
      <dt>Expires</dt>
      <dd>
        this link at ${new Date(claims.expiresAt).toISOString()}; the request at ${pending.expiresAt} (then it
        escalates; it never auto-approves)
      </dd>
    </dl>
    <h2>Command</h2>
    ${pending.command !== undefined ? html`<pre aria-label="command">${mask(pending.command)}</pre>` : html`<p class="muted">The command is rendered when the step runs.</p>`}
    <form class="stack" method="post" action="${f.action}">
      <input type="hidden" name="confirm" value="${f.confirm}" />
      <label>Comment (optional)<textarea name="comment" maxlength="4000"></textarea></label>
      <div class="buttons">${decisionButtons(claims.decision)}</div>
    </form>`;
}

/** A page that only says something (an outcome, a refusal, an expired link). */
export function messageBody(
  title: string,
  lines: string[],
  links: { href: string; text: string }[] = [],
): Html {
  return html`<h1>${title}</h1>
    ${lines.map((l) => html`<p>${l}</p>`)}
    ${links.length ? html`<p>${links.map((l, i) => html`${i > 0 ? ' · ' : ''}<a href="${l.href}">${l.text}</a>`)}</p>` : ''}`;
}
