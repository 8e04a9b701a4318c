/**
 * Start-or-join in one server round trip: SignalWithStartWorkflowExecution with conflict policy
 * USE_EXISTING. The server either starts a run under the workflow id (none open: a new incident)
 * or signals the open one, atomically — so concurrent deliveries at any number of intakes can
 * neither start two incidents nor be refused for losing a race.
 *
 * The SDK's `signalWithStart` hides whether the call started a run; the service call returns it
 * (`started`), so this calls the service directly, with the client's own payload converter.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { AlertSignal, IncidentInput } from '../../contracts/incident';
import { INCIDENT_WORKFLOW, alertSignal } from '../../workflows/definitions';
import type { IncidentMemo } from './incident-runs';

/** What one start-or-join sends. */
export interface StartOrJoin {
  workflowId: string;
  taskQueue: string;
  /** The workflow input, used only when the call starts a run. */
  input: IncidentInput;
  /** The delivery, signalled to the run either way (a started run recognises its own). */
  signal: AlertSignal;
  memo: IncidentMemo;
}

/** The run the delivery reached, and whether this call started it. */
export interface StartOrJoinResult {
  runId: string;
  started: boolean;
}

// Enum values of the Temporal API (temporal.api.enums.v1).
const TASK_QUEUE_KIND_NORMAL = 1;
const WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE = 1;
const WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING = 2;
/** gRPC status ALREADY_EXISTS. */
const ALREADY_EXISTS = 6;

export async function signalWithStart(client: Client, req: StartOrJoin): Promise<StartOrJoinResult> {
  const converter = client.options.loadedDataConverter.payloadConverter;
  const { namespace, identity } = client.options;
  try {
    const res = await client.workflowService.signalWithStartWorkflowExecution({
      namespace,
      identity,
      requestId: randomUUID(),
      workflowId: req.workflowId,
      workflowType: { name: INCIDENT_WORKFLOW },
      taskQueue: { name: req.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
      input: { payloads: [converter.toPayload(req.input)] },
      signalName: alertSignal.name,
      signalInput: { payloads: [converter.toPayload(req.signal)] },
      workflowIdReusePolicy: WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
      workflowIdConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
      memo: {
        fields: {
          incidentId: converter.toPayload(req.memo.incidentId),
          firingSince: converter.toPayload(req.memo.firingSince),
        },
      },
    });
    return { runId: res.runId, started: res.started === true };
  } catch (err) {
    if ((err as { code?: number }).code === ALREADY_EXISTS)
      throw new WorkflowExecutionAlreadyStartedError(
        'Workflow execution already started',
        req.workflowId,
        INCIDENT_WORKFLOW,
      );
    throw err;
  }
}
