/**
 * The inputs every serving process checks before it starts (the engine, the standalone intake): the
 * runbook library and the on-call config, each problem as `file:line:col: message`.
 */
import { loadLibrary } from '../../frontend/library';
import { catchAllProblems } from '../../frontend/library/catch-all';
import { formatDiagnostics } from '../../frontend/loader';
import { contactNames, loadOnCall, OnCallConfigError } from '../oncall';
import type { OnCallConfig } from '../oncall';
import { EngineError } from './errors';
import type { FirebreakConfig } from './types';

/** Validates runbooks and on-call config; every problem as `file:line:col: message`. */
export function checkInputs(config: FirebreakConfig): {
  plans: ReturnType<typeof loadLibrary>['plans'];
  oncall: OnCallConfig;
} {
  const problems: string[] = [];
  let oncall: OnCallConfig | undefined;
  try {
    oncall = loadOnCall(config.oncallFile);
  } catch (err) {
    if (err instanceof OnCallConfigError) problems.push(...err.problems);
    else throw err;
  }
  // With a valid on-call file, runbooks naming unknown contacts or chains are refused too.
  const library = loadLibrary(config.runbooksDir, {
    ...(oncall
      ? { contacts: contactNames(oncall), chains: new Set((oncall.chains ?? []).map((c) => c.name)) }
      : {}),
    ...(config.severityFrom ? { severityFrom: config.severityFrom } : {}),
  });
  const errors = library.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) problems.push(...formatDiagnostics(errors));
  else if (library.plans.length === 0) problems.push(`${config.runbooksDir}: no runbooks found`);
  else if (config.catchAllRunbook !== undefined)
    problems.push(...catchAllProblems(library.plans, config.catchAllRunbook));
  if (problems.length > 0 || !oncall) {
    throw new EngineError(`refusing to start: invalid configuration\n${problems.join('\n')}`);
  }
  return { plans: library.plans, oncall };
}
