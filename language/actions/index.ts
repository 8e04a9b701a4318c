/**
 * The built-in action catalog. Each action validates its `with:` parameters against a JSON
 * schema and builds concrete, quoted shell commands for stock Debian.
 */
import { diskCheck, httpCheck, portCheck, processCheck, waitAction } from './checks';
import { deployRollback } from './deploy';
import { logsCleanup } from './logs';
import { postgresTerminateLongQueries } from './postgres';
import { redisFlush } from './redis';
import { serviceRestart } from './service';
import type { ActionDefinition } from './types';

export type { ActionDefinition, BuiltCommand, ParamSchema } from './types';
export { durationMs, DURATION_PATTERN } from './shell';

export const ACTIONS: Readonly<Record<string, ActionDefinition>> = Object.fromEntries(
  [
    serviceRestart,
    postgresTerminateLongQueries,
    redisFlush,
    deployRollback,
    logsCleanup,
    httpCheck,
    portCheck,
    processCheck,
    diskCheck,
    waitAction,
  ].map((a) => [a.name, a]),
);

export function getAction(name: string): ActionDefinition | undefined {
  return Object.prototype.hasOwnProperty.call(ACTIONS, name) ? ACTIONS[name] : undefined;
}

export const ACTION_NAMES: readonly string[] = Object.keys(ACTIONS);
