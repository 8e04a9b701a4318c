/**
 * The runbook library as the intake matches alerts against it: the plans matched directly, and the
 * configured catch-all (frontend/library/catch-all.ts) for alerts none of them matches.
 */
import { catchAllFor, splitCatchAll } from '../../frontend/library/catch-all';
import { matchAlert } from '../../frontend/library';
import type { Plan } from '../../contracts/plan';
import type { IntakeLibrary } from './ingest';

/** Options of {@link libraryFromPlans}. */
export interface LibraryOptions {
  /** Id of the catch-all runbook (`config.catchAllRunbook`); it is then never matched directly. */
  catchAll?: string;
}

/** Matches alerts against `plans`; throws when the named catch-all is missing or does more than notify. */
export function libraryFromPlans(plans: Plan[], opts: LibraryOptions = {}): IntakeLibrary {
  const routed = splitCatchAll(plans, opts.catchAll);
  return {
    match: (alert) => matchAlert(routed.direct, alert),
    ...(routed.catchAll ? { catchAll: (alert) => catchAllFor(routed, alert) } : {}),
  };
}
