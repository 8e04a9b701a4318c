/**
 * The incident's message handlers: queries, signals, and updates with their validators. Handlers
 * are synchronous; they write state through the store and tell the rest of the workflow through
 * the control flags. A validator's refusal is a typed `ApplicationFailure` (contracts/refusals.ts)
 * so clients choose their answer by type; its message is what a person reads.
 */
import { setHandler } from '@temporalio/workflow';
import { hasChange } from './versions';
import { REFUSAL_TYPES, refusal } from '../../contracts/refusals';
import { TERMINAL_STATUSES } from '../../contracts/incident';
import type { Actor, ApproveRequest, OnCallSnapshot } from '../../contracts/incident';
import {
  ackUpdate,
  alertSignal,
  approveUpdate,
  closeUpdate,
  noteUpdate,
  refusalSignal,
  rejectUpdate,
  stateQuery,
  statusQuery,
} from '../definitions';
import type { IncidentControl } from './control';
import { onDelivery } from './deliveries';
import { now, type IncidentStore, type ReadonlyDeep } from './store';

/** Refusals recorded on the timeline; past this they are only counted (history stays bounded). */
export const MAX_RECORDED_REFUSALS = 50;

/** Patch: later deliveries act only when their labels are the incident's (deliveries.ts). */
export const DELIVERY_LABELS_PATCH = 'alert-deliveries-match-labels';

/**
 * Registers every handler. Keep the order: signals that arrived before their handler existed are
 * delivered as it is registered, so the order decides their order on the timeline.
 */
export function registerHandlers(store: IncidentStore, control: IncidentControl): void {
  setHandler(stateQuery, () => store.snapshot());
  setHandler(statusQuery, () => store.state.status);
  registerSignals(store, control);
  registerDecisions(store, control);
  registerHumanUpdates(store, control);
}

function isTerminal(store: IncidentStore, control: IncidentControl): boolean {
  return control.finished || TERMINAL_STATUSES.includes(store.state.status);
}

function registerSignals(store: IncidentStore, control: IncidentControl): void {
  setHandler(alertSignal, (signal) => {
    // The starting delivery, signalled along with the start by signal-with-start: already counted.
    if (signal.deliveryId !== undefined && signal.deliveryId === control.startDeliveryId) return;
    if (hasChange(DELIVERY_LABELS_PATCH)) {
      onDelivery(store, control, signal, () => isTerminal(store, control));
      return;
    }
    const { alert: delivery, receivedAt } = signal;
    if (delivery.status === 'firing') {
      store.alertRepeated(receivedAt);
      return;
    }
    if (store.state.alertResolvedAt) return;
    store.alertResolved('alert resolved', { receivedAt, endsAt: delivery.endsAt });
    // No remediation on a resolved alert: an incident still diagnosing or waiting for the first
    // approval is cancelled; once remediation started, the resolution confirms it instead.
    if (!control.remediationStarted && !isTerminal(store, control)) control.cancelMain('alert_resolved');
  });

  setHandler(refusalSignal, (r) => {
    const recorded = store.state.timeline.filter((e) => e.kind === 'approval_refused').length;
    if (recorded >= MAX_RECORDED_REFUSALS) return;
    const what = `${r.action}${r.stepId ? ` ${r.stepId}` : ''}`;
    store.record(
      'approval_refused',
      `${r.actor.person} (${r.actor.channel}) was refused: ${what}: ${r.reason.slice(0, 500)}`,
      {
        actor: r.actor,
        ...(r.stepId ? { stepId: r.stepId } : {}),
        data: { action: r.action, reason: r.reason.slice(0, 500) },
      },
    );
  });
}

function requireOnCall(store: IncidentStore): ReadonlyDeep<OnCallSnapshot> {
  if (!store.state.oncall)
    throw refusal(
      REFUSAL_TYPES.incidentStarting,
      'the incident is still starting (on-call not resolved yet); try again',
    );
  return store.state.oncall;
}

function requireResponder(store: IncidentStore, actor: Actor, what: string): void {
  const oc = requireOnCall(store);
  if (!oc.responders.includes(actor.person) && !oc.approvers.includes(actor.person)) {
    throw refusal(
      REFUSAL_TYPES.notResponder,
      `${actor.person} is not a responder of incident ${store.state.id} and may not ${what}`,
    );
  }
}

function validateDecision(store: IncidentStore, verb: 'approve' | 'reject', req: ApproveRequest): void {
  const { state } = store;
  const oc = requireOnCall(store);
  if (!state.pendingApprovals.some((p) => p.stepId === req.stepId)) {
    const step = state.steps.find((s) => s.id === req.stepId);
    throw refusal(
      REFUSAL_TYPES.stepNotAwaitingApproval,
      step
        ? `step ${req.stepId} is not awaiting approval in incident ${state.id} (it is ${step.status})`
        : `step ${req.stepId} is not awaiting approval in incident ${state.id}`,
    );
  }
  if (!oc.approvers.includes(req.actor.person)) {
    throw refusal(
      REFUSAL_TYPES.notApprover,
      `${req.actor.person} is not an approver for step ${req.stepId} of incident ${state.id}`,
    );
  }
  if (req.nonce !== undefined && state.usedNonces.includes(req.nonce)) {
    throw refusal(
      REFUSAL_TYPES.approvalLinkUsed,
      `approval link for step ${req.stepId} was already used (nonce reuse by ${req.actor.person})`,
    );
  }
}

function registerDecisions(store: IncidentStore, control: IncidentControl): void {
  const decide = (approved: boolean, req: ApproveRequest) => {
    const at = now();
    control.decisions.set(req.stepId, {
      approved,
      actor: req.actor,
      at,
      ...(req.comment ? { comment: req.comment } : {}),
    });
    store.decide(req, approved, at);
    return store.snapshot();
  };
  setHandler(approveUpdate, (req) => decide(true, req), {
    validator: (req) => validateDecision(store, 'approve', req),
  });
  setHandler(rejectUpdate, (req) => decide(false, req), {
    validator: (req) => validateDecision(store, 'reject', req),
  });
}

function registerHumanUpdates(store: IncidentStore, control: IncidentControl): void {
  setHandler(
    ackUpdate,
    (req) => {
      store.acknowledge(req.actor, req.comment);
      return store.snapshot();
    },
    { validator: (req) => requireResponder(store, req.actor, 'acknowledge it') },
  );
  setHandler(
    noteUpdate,
    (req) => {
      store.record('note', req.text, { actor: req.actor });
      return store.snapshot();
    },
    {
      validator: (req) => {
        requireResponder(store, req.actor, 'add notes');
        if (req.text.trim() === '')
          throw refusal(REFUSAL_TYPES.invalidRequest, `note from ${req.actor.person} is empty`);
      },
    },
  );
  setHandler(
    closeUpdate,
    (req) => {
      control.closeRequest = {
        outcome: req.outcome,
        actor: req.actor,
        ...(req.comment ? { comment: req.comment } : {}),
      };
      store.record('closed', `${req.actor.person} closed the incident as ${req.outcome}`, {
        actor: req.actor,
        ...(req.comment ? { data: { comment: req.comment } } : {}),
      });
      control.cancelMain('closed');
      return store.snapshot();
    },
    {
      validator: (req) => {
        requireResponder(store, req.actor, 'close it');
        if (isTerminal(store, control) || control.closeRequest)
          throw refusal(
            REFUSAL_TYPES.incidentClosed,
            `incident ${store.state.id} is already ${store.state.status}; ${req.actor.person} cannot close it`,
          );
      },
    },
  );
}
