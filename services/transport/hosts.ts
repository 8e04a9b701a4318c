/**
 * Turning a target's rendered hosts and inventory group into endpoints (through the one pure
 * resolver, language/plan/targets.ts, that `firebreak plan` uses too), and running a function
 * over them with bounded concurrency.
 */
import { userInfo } from 'node:os';
import type { ResolvedTarget } from '../../contracts/commands';
import type { Inventory } from '../../contracts/inventory';
import { parseHostSpec as parseSpec, resolveEndpoints as resolvePure } from '../../language/plan/targets';
import type { Endpoint } from './transport';

/** Parses `[user@]host[:port]`, `[v6addr]:port` or a bare IPv6 address (runbook author text). */
export function parseHostSpec(value: string): { user?: string; host: string; port?: number } {
  const { user, host, port } = parseSpec(value);
  return { ...(user !== undefined ? { user } : {}), host, ...(port !== undefined ? { port } : {}) };
}

let defaultUser: string | undefined;
/** The worker's own login name: the user when neither the inventory nor the target names one. */
export function localUser(): string {
  defaultUser ??= userInfo().username;
  return defaultUser;
}

/**
 * The endpoints of a target: its rendered hosts, then its inventory group's hosts (deduplicated),
 * with the worker's own user as the last resort. See language/plan/targets.ts for the rules.
 */
export function resolveEndpoints(
  target: ResolvedTarget,
  inventory: Inventory,
  options: { strictInventory?: boolean } = {},
): Endpoint[] {
  return resolvePure(target, inventory, {
    strictInventory: options.strictInventory ?? false,
    defaultUser: localUser(),
  });
}

/** One item's outcome in a fan-out. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown; skipped?: boolean };

/**
 * Runs `fn` over `items` with at most `limit` at once. With `failFast`, after the first failure
 * (a rejection, or a value `failed` says is one) no new item starts — those are reported as
 * skipped — while items already running finish: killing a half-done remediation on a sibling
 * host would leave it in a worse state than letting it complete.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  failFast: boolean,
  fn: (item: T) => Promise<R>,
  failed: (value: R) => boolean = () => false,
): Promise<Settled<R>[]> {
  const results: Settled<R>[] = new Array<Settled<R>>(items.length);
  let stopped = false;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      if (stopped) {
        results[i] = {
          ok: false,
          error: new Error('not started: an earlier host failed (failFast)'),
          skipped: true,
        };
        continue;
      }
      try {
        const value = await fn(items[i] as T);
        results[i] = { ok: true, value };
        if (failFast && failed(value)) stopped = true;
      } catch (error) {
        results[i] = { ok: false, error };
        if (failFast) stopped = true;
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}
