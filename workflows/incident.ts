/**
 * The incident workflow and its tunables, under their historical import path. The workflow itself
 * lives in workflows/incident/ (workflow.ts wires the modules; see there).
 */
export { incidentWorkflow, incidentWorkflowV2 } from './incident/workflow';
export { CONTINUE_AS_NEW_AFTER_EVENTS } from './incident/control';
export { HUMAN_WAIT_MS } from './incident/flow';
export { MAX_RECORDED_REFUSALS } from './incident/handlers';
export { LOCAL_ONCALL_PATCH } from './incident/oncall';
export { RECOVERY_FIRST_PROBE_MS } from './incident/recovery';
export { COMMAND_HEARTBEAT_MS } from './incident/steps';
