import type { IncidentActivities } from './types';
import { resolveOnCall } from '../services/oncall/resolve';
import type { OnCallConfig } from '../services/oncall/types';

export interface OnCallActivityDeps {
  /** The loaded config, or a getter so a reloaded file is picked up without restarting the worker. */
  oncall: OnCallConfig | (() => OnCallConfig);
}

/** The `resolveOnCall` activity: a pure lookup, so its one result in history makes replay deterministic. */
export function createOnCallActivities(deps: OnCallActivityDeps): Pick<IncidentActivities, 'resolveOnCall'> {
  return {
    resolveOnCall: async (input) =>
      resolveOnCall(typeof deps.oncall === 'function' ? deps.oncall() : deps.oncall, input),
  };
}
