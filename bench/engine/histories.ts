/**
 * Reading the incidents back from their real histories: size (protobuf bytes, as the server
 * stores them) and events, the deliveries they hold (the start's alert and every other `alert` signal),
 * when the workflow started relative to the intake's receipt, and when it began awaiting approval
 * (the workflow task completed after its second command finished).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { AlertSignal, IncidentInput } from '../../contracts/incident';
import { pool } from './stats';

export interface IncidentHistory {
  id: string;
  events: number;
  bytes: number;
  /** The start's delivery plus every `alert` signal. */
  deliveries: number;
  receivedAtMs: number;
  startedAtMs: number;
  /** Undefined while the second command has not finished. */
  awaitingApprovalAtMs?: number;
  closed: boolean;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * The intake's signal-with-start carries the starting delivery twice, as the input and as a signal
 * with the same delivery id (the workflow recognises its own): that signal is no further delivery.
 */
function isStartingDelivery(
  signalled: temporal.api.history.v1.IWorkflowExecutionSignaledEventAttributes,
  input: IncidentInput | undefined,
): boolean {
  const payload = signalled.input?.payloads?.[0];
  if (!payload || input?.deliveryId === undefined) return false;
  return defaultPayloadConverter.fromPayload<AlertSignal>(payload).deliveryId === input.deliveryId;
}

function analyze(id: string, events: HistoryEvent[], bytes: number): IncidentHistory {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  const input = payload ? defaultPayloadConverter.fromPayload<IncidentInput>(payload) : undefined;
  const commandIds = new Set<string>();
  let commandsDone = 0;
  let awaitingApprovalAtMs: number | undefined;
  let deliveries = started ? 1 : 0;
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'runCommand') commandIds.add(String(e.eventId));
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed && commandIds.has(String(completed.scheduledEventId))) commandsDone++;
    if (commandsDone === 2 && awaitingApprovalAtMs === undefined && e.workflowTaskCompletedEventAttributes)
      awaitingApprovalAtMs = tsToMs(e.eventTime);
    const signalled = e.workflowExecutionSignaledEventAttributes;
    if (signalled?.signalName === 'alert' && !isStartingDelivery(signalled, input)) deliveries++;
  }
  const last = events[events.length - 1];
  return {
    id,
    events: events.length,
    bytes,
    deliveries,
    receivedAtMs: input ? Date.parse(input.receivedAt) : NaN,
    startedAtMs: tsToMs(events[0]?.eventTime),
    ...(awaitingApprovalAtMs !== undefined ? { awaitingApprovalAtMs } : {}),
    closed: Boolean(
      last?.workflowExecutionCompletedEventAttributes ?? last?.workflowExecutionContinuedAsNewEventAttributes,
    ),
  };
}

/** Fetches and reads the histories of `ids` (a few at a time). */
export async function readHistories(client: Client, ids: readonly string[]): Promise<IncidentHistory[]> {
  const out: IncidentHistory[] = new Array<IncidentHistory>(ids.length);
  await pool(ids.length, 8, async (i) => {
    const id = ids[i] as string;
    const history = await client.workflow.getHandle(id).fetchHistory();
    const bytes = temporal.api.history.v1.History.encode(history).finish().length;
    out[i] = analyze(id, history.events ?? [], bytes);
  });
  return out;
}
