/** Workflow entry point bundled by the worker: every workflow type the task queue serves. */
export { incidentWorkflow, incidentWorkflowV2 } from './incident';
