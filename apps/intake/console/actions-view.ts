/**
 * What a person can do on the incident page: decide pending approvals (exactly what would run
 * where, shown before the buttons), acknowledge, add a note, close. Forms are shown to the people
 * the workflow would accept; anyone else reads why not. The workflow's validators still decide:
 * a refused action comes back with the validator's reason.
 */
import type { IncidentState, PendingApproval } from '../../../contracts/incident';
import { TERMINAL_STATUSES } from '../../../contracts/incident';
import { html } from './html';
import type { Html } from './html';
import type { Viewer } from './layout';

type Mask = (text: string) => string;

function csrfField(viewer: Viewer): Html | '' {
  return viewer.csrf ? html`<input type="hidden" name="csrf" value="${viewer.csrf}" />` : '';
}

function actionUrl(state: IncidentState, action: string): string {
  return `/incidents/${encodeURIComponent(state.id)}/${action}`;
}

function approvalCard(
  state: IncidentState,
  p: PendingApproval,
  viewer: Viewer | undefined,
  mask: Mask,
): Html {
  const title = p.title ?? state.steps.find((s) => s.id === p.stepId)?.title ?? p.stepId;
  const may = viewer !== undefined && p.approvers.includes(viewer.person);
  const where = [p.target, p.hosts?.length ? `hosts: ${p.hosts.join(', ')}` : ''].filter(Boolean).join(' — ');
  return html`<div class="card pending" id="approval-${p.stepId}">
    <h3>Approve “${mask(title)}” (<code>${p.stepId}</code>)?</h3>
    ${p.command !== undefined ? html`<pre aria-label="command">${mask(p.command)}</pre>` : html`<p class="muted">The command is rendered when the step runs.</p>`}
    <dl class="facts">
      ${
        where
          ? html`<dt>Where</dt>
              <dd>${mask(where)}</dd>`
          : ''
      }
      <dt>Approvers</dt>
      <dd>${p.approvers.join(', ')}</dd>
      <dt>Requested</dt>
      <dd>${p.requestedAt}</dd>
      <dt>Expires</dt>
      <dd>${p.expiresAt} (then it escalates; it never auto-approves)</dd>
    </dl>
    ${
      may && viewer
        ? html`<form class="stack" method="post" action="${actionUrl(state, 'approve')}">
            ${csrfField(viewer)}
            <input type="hidden" name="stepId" value="${p.stepId}" />
            <label>Comment (optional)<textarea name="comment" maxlength="4000"></textarea></label>
            <div class="buttons">
              <button type="submit" class="approve">Approve</button>
              <button type="submit" class="reject" formaction="${actionUrl(state, 'reject')}">Reject</button>
            </div>
          </form>`
        : html`<p class="flash bad">
              ${viewer ? `You (${viewer.person}) may not approve or reject this step` : 'Sign in to decide'}:
              only ${p.approvers.join(', ')} may.
            </p>
            <div class="buttons">
              <button type="button" class="approve" disabled>Approve</button
              ><button type="button" class="reject" disabled>Reject</button>
            </div>`
    }
  </div>`;
}

export function approvalsView(state: IncidentState, viewer: Viewer | undefined, mask: Mask): Html {
  return html`<section id="approvals" data-live-part aria-labelledby="approvals-h">
    <h2 id="approvals-h">Pending approvals</h2>
    ${
      state.pendingApprovals.length === 0
        ? html`<p class="muted">Nothing is waiting for a decision.</p>`
        : state.pendingApprovals.map((p) => approvalCard(state, p, viewer, mask))
    }
  </section>`;
}

function humanForms(state: IncidentState, viewer: Viewer): Html {
  return html`${
      state.acknowledged
        ? html`<p>
            Acknowledged by <b>${state.acknowledged.by.person}</b> at ${state.acknowledged.at}; paging has
            stopped.
          </p>`
        : html`<form class="stack" method="post" action="${actionUrl(state, 'ack')}">
            ${csrfField(viewer)}
            <label
              >Acknowledge (stops the paging)<textarea
                name="comment"
                maxlength="4000"
                placeholder="optional comment"
              ></textarea>
            </label>
            <div class="buttons"><button type="submit">Acknowledge</button></div>
          </form>`
    }
    <form class="stack" method="post" action="${actionUrl(state, 'note')}">
      ${csrfField(viewer)}
      <label>Note for the timeline<textarea name="text" maxlength="20000" required></textarea></label>
      <div class="buttons"><button type="submit">Add note</button></div>
    </form>
    <form class="stack" method="post" action="${actionUrl(state, 'close')}">
      ${csrfField(viewer)}
      <label
        >Close as<select name="outcome">
          <option value="resolved">resolved</option>
          <option value="failed">failed</option>
        </select></label
      >
      <label>Comment (optional)<textarea name="comment" maxlength="4000"></textarea></label>
      <div class="buttons"><button type="submit" class="danger">Close incident</button></div>
    </form>`;
}

export function humanActionsView(state: IncidentState, viewer: Viewer | undefined): Html {
  const ended = TERMINAL_STATUSES.includes(state.status);
  const oc = state.oncall;
  const person = viewer?.person ?? '';
  const responder = !!oc && (oc.responders.includes(person) || oc.approvers.includes(person));
  let body: Html;
  if (ended)
    body = html`<p class="muted">This incident has ended (${state.status}); nothing more to do here.</p>`;
  else if (!oc) body = html`<p class="muted">The incident is still starting; actions open in a moment.</p>`;
  else if (!viewer)
    body = html`<p><a href="/signin">Sign in</a> to acknowledge, note or close this incident.</p>`;
  else if (!responder)
    body = html`<p class="flash bad">
      You (${viewer.person}) are not a responder of this incident, so you can read it but not acknowledge,
      note or close it. Responders: ${oc.responders.join(', ')}.
    </p>`;
  else body = humanForms(state, viewer);
  return html`<section id="actions" data-live-part aria-labelledby="actions-h">
    <h2 id="actions-h">Actions</h2>
    ${body}
  </section>`;
}
