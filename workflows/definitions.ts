/**
 * Names and shapes of the incident workflow's messages, shared by the workflow (handlers) and
 * its clients (intake, CLI, tests). Importing this file from client code is safe: the define*
 * helpers only build descriptors.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AckRequest,
  AlertSignal,
  ApproveRequest,
  CloseRequest,
  IncidentState,
  IncidentStatus,
  NoteRequest,
  RefusalSignal,
  RejectRequest,
} from '../contracts/incident';

/** The workflow type every new incident starts (workflows/incident/versions.ts). */
export const INCIDENT_WORKFLOW = 'incidentWorkflowV2';

/** Every incident workflow type the worker serves, oldest first: incidents may run under any. */
export const INCIDENT_WORKFLOW_TYPES = ['incidentWorkflow', INCIDENT_WORKFLOW] as const;

/** The visibility filter that lists incidents of every type. */
export const INCIDENT_TYPE_FILTER = `WorkflowType IN (${INCIDENT_WORKFLOW_TYPES.map((t) => `'${t}'`).join(', ')})`;

export { incidentWorkflowId } from '../language/plan/context';

export const alertSignal = defineSignal<[AlertSignal]>('alert');
export const refusalSignal = defineSignal<[RefusalSignal]>('refusal');
export const approveUpdate = defineUpdate<IncidentState, [ApproveRequest]>('approve');
export const rejectUpdate = defineUpdate<IncidentState, [RejectRequest]>('reject');
export const ackUpdate = defineUpdate<IncidentState, [AckRequest]>('ack');
export const noteUpdate = defineUpdate<IncidentState, [NoteRequest]>('note');
export const closeUpdate = defineUpdate<IncidentState, [CloseRequest]>('close');
export const stateQuery = defineQuery<IncidentState>('state');
export const statusQuery = defineQuery<IncidentStatus>('status');
