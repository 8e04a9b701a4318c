/** Alert intake and incident API. */
export { buildIntake, startIntake, libraryFromPlans } from './server';
export type { IntakeDeps, IntakeLibrary, RunningIntake } from './server';
export { summarize } from './summary';
export type { IncidentSummary } from './summary';
export type { IntakeContext } from './context';
export { Dispatcher } from './dispatch';
export type { DispatchResult, DispatchAction } from './dispatch';
export { createMetrics, observeNotifications } from './metrics';
export type { IntakeMetrics } from './metrics';
export { IntakeError } from './errors';
export { checkExposure, isLoopback } from './bind';
