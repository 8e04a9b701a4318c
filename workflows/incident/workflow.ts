/**
 * The incident workflow: ONE generic, deterministic interpreter of a compiled {@link Plan}.
 *
 * Three things run side by side from the start:
 * - the main flow (flow.ts: diagnostics → approvals → remediations → verify → resolution), inside
 *   a cancellation scope so a resolved alert or a human close can stop it mid-step;
 * - the escalation clock (escalation.ts), which pages the next on-call level every interval until
 *   someone acknowledges (it is never inside the main scope, so nothing there can silence it);
 * - notifications (notifier.ts), fired without blocking either of the above and awaited before the end.
 * The state (store.ts, its only writer) is the source of truth for queries, the CLI and the report;
 * handlers.ts answers messages. This function wires them together and waits for the outcome.
 */
import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import type { IncidentInput, IncidentState, IncidentStatus } from '../../contracts/incident';
import { initialContext } from '../../language/plan/context';
import { effectiveSeverity } from '../lang';
import { IncidentControl } from './control';
import { EscalationClock } from './escalation';
import { errorMessage, planOnlyOnCall } from './failures';
import { MainFlow } from './flow';
import { registerHandlers } from './handlers';
import { outcomesFromState } from './resume';
import { Notifier } from './notifier';
import { lookupOnCall } from './oncall';
import { writeIncidentReport } from './report';
import { StepRunner } from './steps';
import { IncidentStore } from './store';
import { runAsCurrentType } from './versions';

/** One incident, from the alert to the report (or to a continued run while it waits for a human). */
export async function incidentWorkflow(input: IncidentInput): Promise<IncidentState> {
  const { plan, alert } = input;
  const startedMs = Date.now();
  const severity = effectiveSeverity(plan, alert);
  const store = new IncidentStore(input, severity);
  const control = new IncidentControl(input);
  registerHandlers(store, control);
  const notifier = new Notifier(store, control, input.links);
  const clock = new EscalationClock(plan, severity, startedMs, store, control, notifier);
  const context = initialContext(plan, alert, store.state.id, severity);
  const resumeAt = input.resume?.approval?.stepId;
  if (input.resume && resumeAt !== undefined)
    Object.assign(context.steps, outcomesFromState(input.resume.state));
  const steps = new StepRunner(plan, store, context);
  const flow = new MainFlow(plan, store, control, notifier, clock, steps);

  let clockDone: Promise<void>;
  let outcome: IncidentStatus | 'suspend';
  if (input.resume) {
    // A continued run: everything before the wait (for a human, or for an approval) is in the state.
    notifier.resend(input.resume.outbox);
    clockDone = clock.run();
    outcome = await flow.runMain(() => (resumeAt !== undefined ? flow.run(resumeAt) : flow.awaitHuman()));
  } else {
    store.alertReceived(input.receivedAt);
    steps.prefetchLocalHost();
    try {
      store.setOnCall(await lookupOnCall(plan, severity));
    } catch (e) {
      store.setOnCall(planOnlyOnCall(plan));
      store.record(
        'notification_failed',
        `on-call lookup failed, paging the runbook's own contacts: ${errorMessage(e)}`,
        {},
      );
    }
    store.countOpeningPage();
    notifier.notify('opened', notifier.recipients('opened', notifier.levelPeople(0)));
    clockDone = clock.run();
    if (alert.status === 'resolved') {
      // Started by a resolved delivery (e.g. after a restart of the intake): nothing to do.
      store.alertResolved('alert already resolved at start');
      outcome = 'cancelled';
    } else {
      outcome = await flow.runMain(() => flow.run());
    }
  }

  if (outcome === 'suspend') {
    // Long unacknowledged paging: continue in a fresh history, with the clock where it was.
    control.suspending = true;
    await clockDone;
    await notifier.drain();
    await condition(allHandlersFinished);
    if (control.closeRequest === undefined && store.state.alertResolvedAt === undefined) {
      const outbox = notifier.undelivered();
      return continueAsNew<typeof incidentWorkflow>({
        ...input,
        resume: { ...control.resume(store.snapshot(), input), ...(outbox.length > 0 ? { outbox } : {}) },
      });
    }
    // A decision raced in while suspending: finish here instead. An alert resolving before any
    // remediation ran cancels the incident, as it would have without the hand-over.
    const cancelled = control.suspendedApproval !== undefined && !control.remediationStarted;
    outcome = control.closeRequest?.outcome ?? (cancelled ? 'cancelled' : 'resolved');
  }
  const final: IncidentStatus = control.closeRequest?.outcome ?? outcome;

  notifier.withdrawApprovals(withdrawalReason(store, control, final));
  store.finish(final);
  control.finished = true;
  await clockDone;
  if (final === 'resolved') notifier.notifyCurrentLevel('resolved');
  control.lastNoticesQueued = true;
  // The report records the last notices' outcome too (incidents before the patch did not wait).
  await notifier.settleBeforeReport();
  await writeIncidentReport(store, notifier, store.state.oncall?.owners ?? plan.runbook.owners, input.links);
  // Every page and mail in flight finishes (and is recorded) before the workflow completes.
  await notifier.drain();
  await condition(allHandlersFinished);
  return store.snapshot();
}

/**
 * The current incident workflow type, which every new incident starts: the same interpreter with
 * every change made so far and no patch markers to record them (versions.ts). `incidentWorkflow`
 * stays registered for the incidents that started under it. A continued run keeps its type.
 */
export async function incidentWorkflowV2(input: IncidentInput): Promise<IncidentState> {
  runAsCurrentType();
  return incidentWorkflow(input);
}

/** Why approval requests still open at the end will not be decided, as the people asked read it. */
function withdrawalReason(store: IncidentStore, control: IncidentControl, final: IncidentStatus): string {
  const close = control.closeRequest;
  if (close) return `${close.actor.person} closed the incident as ${close.outcome}`;
  if (store.state.alertResolvedAt !== undefined) return `the alert resolved (incident ${final})`;
  return `the incident ended (${final})`;
}
