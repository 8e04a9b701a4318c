/**
 * Stack traces in the workflow sandbox: none are captured.
 *
 * The Temporal SDK (1.24) installs a promise hook in the workflow thread that, for every promise
 * workflow code creates, takes `new Error().stack` and maps each frame through the bundle's source
 * map, so that the `__stack_trace` query can show where a workflow waits. There is no option to
 * turn it off, and under an alert storm it was a third of the workflow thread's CPU
 * (bench/PROFILE.md): every signal, timer and activity result creates a few promises. With no
 * frames to capture the hook costs next to nothing.
 *
 * What is given up: the `__stack_trace` query answers with no frames, and errors thrown inside
 * workflow code carry their message without a stack (failures from activities keep theirs: they
 * are made in the worker's own context). The incident's timeline, not a stack, is what explains
 * where an incident waits.
 *
 * This module is preloaded into the workflow context once, before the SDK freezes the context's
 * built-ins (worker/bundle.ts `SHARED_WORKFLOW_MODULES`); it has no exports and no other effect,
 * so it cannot make two replays of a history differ.
 */
export const WORKFLOW_STACK_TRACE_LIMIT = 0;

Error.stackTraceLimit = WORKFLOW_STACK_TRACE_LIMIT;
