/**
 * The built-in action catalog. Each action validates its `with:` parameters against a JSON
 * schema and builds concrete, quoted shell commands for stock Debian.
 */
import { diskCheck, httpCheck, portCheck, processCheck, waitAction } from './checks';
import { deployRollback } from './deploy';
import { logsCleanup } from './logs';
import { postgresQuery, postgresTerminateLongQueries } from './postgres';
import { redisCli, redisConfigSet, redisFlush } from './redis';
import { serviceRestart } from './service';
import type { ActionDefinition } from './types';

export type { ActionDefinition, BuiltCommand, ParamSchema } from './types';
export { durationMs, DURATION_PATTERN } from './shell';

export const ACTIONS: Readonly<Record<string, ActionDefinition>> = Object.fromEntries(
  [
    serviceRestart,
    postgresTerminateLongQueries,
    redisFlush,
    redisConfigSet,
    deployRollback,
    logsCleanup,
    httpCheck,
    portCheck,
    processCheck,
    diskCheck,
    postgresQuery,
    redisCli,
    waitAction,
  ].map((a) => [a.name, a]),
);

export function getAction(name: string): ActionDefinition | undefined {
  return Object.prototype.hasOwnProperty.call(ACTIONS, name) ? ACTIONS[name] : undefined;
}

export const ACTION_NAMES: readonly string[] = Object.keys(ACTIONS);
