/** Alert intake and incident API. */
export { buildIntake, startIntake, libraryFromPlans, summarize } from './server';
export type { IntakeDeps, IntakeLibrary, IncidentSummary, RunningIntake } from './server';
export { Dispatcher } from './dispatch';
export type { DispatchResult, DispatchAction } from './dispatch';
export { createMetrics, observeNotifications } from './metrics';
export type { IntakeMetrics } from './metrics';
export { IntakeError } from './errors';
