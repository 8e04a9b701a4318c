/**
 * V8 heap settings for a process that runs the worker (`firebreak start`, the standalone worker),
 * applied at run time so `npm start`, `firebreak start` and `node dist/worker/main.js` all get
 * them without Node flags on their command line.
 *
 * Why (bench:engine, 1,000 incidents awaiting approval, 250 of them in the workflow cache): RSS
 * 505 MB, of which the workflow thread's heap was 239 MB committed, 191 MB "used" — but a heap
 * snapshot (which collects first) found 51 MB live. The rest was garbage V8 had not collected yet:
 * its old generation may grow to 4× its live size between full collections (the growing factor
 * is dynamic, up to 4 on a machine with this much memory), and with the SDK's per-activation
 * allocations the workflow thread rode that to the ceiling. The main thread (intake, activities)
 * was 47 MB live in 92–126 MB committed, 32 MB of it the young generation (two 16 MB semi-spaces)
 * — and the same again in the workflow thread.
 *
 * - `--heap-growing-percent=50`: the old generation grows to 1.5× its live size before the next
 *   full collection, in every thread (V8 reads the flag at each collection). Alone: 415 MB
 *   (505 before). No CPU cost measurable on this shared 2-core machine (engine CPU per incident
 *   0.037 s vs 0.044 s before, noise at load 10–14): a full collection of a ~50 MB heap is cheap,
 *   and it now marks 50 MB instead of sweeping 190.
 * - `--max-semi-space-size=8`: an 8 MB semi-space (16 MB young generation) instead of 16. Set at
 *   run time it reaches the isolates created afterwards: the SDK's workflow thread, not the main
 *   thread — `npm start` gives the main thread the same on its command line (package.json). With
 *   both flags on both threads: 380 MB. Smaller is worse: with 4 MB and no growing limit, more
 *   short-lived activation garbage survived into the old generation (597 MB).
 *
 * A flag the process was started with (command line or NODE_OPTIONS) wins: it is not set again.
 * `FIREBREAK_V8_HEAP=default` leaves V8's own settings.
 */
import { setFlagsFromString } from 'node:v8';
import { ConfigError } from '../services/config/errors';

/** The V8 flags set when the process did not choose its own (see the module comment). */
export const HEAP_FLAGS: readonly string[] = ['--heap-growing-percent=50', '--max-semi-space-size=8'];

const flagName = (flag: string) => flag.split('=')[0]?.replace(/_/g, '-') ?? flag;

/**
 * Sets {@link HEAP_FLAGS} the process was not started with; returns the flags set. Must run before
 * the worker is created: the semi-space size reaches only isolates created afterwards.
 */
export function tuneHeap(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
  set: (flag: string) => void = setFlagsFromString,
): string[] {
  const mode = env.FIREBREAK_V8_HEAP;
  if (mode === 'default') return [];
  if (mode !== undefined && mode !== '' && mode !== 'tuned')
    throw new ConfigError('FIREBREAK_V8_HEAP', `expected "tuned" or "default", got "${mode}"`);
  const given = new Set(
    [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].filter((a) => a.startsWith('--')).map(flagName),
  );
  const applied = HEAP_FLAGS.filter((f) => !given.has(flagName(f)));
  for (const f of applied) set(f);
  return applied;
}
