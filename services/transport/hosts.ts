/**
 * Turning a target's rendered host strings and inventory group into endpoints, and running a
 * function over them with bounded concurrency.
 */
import { userInfo } from 'node:os';
import type { InventoryHost } from '../config/types';
import type { ResolvedTarget } from '../../contracts/commands';
import { invalidHost } from './errors';
import type { Endpoint } from './transport';

/** Parses `[user@]host[:port]`, `[v6addr]:port` or a bare IPv6 address. */
export function parseHostSpec(value: string): { user?: string; host: string; port?: number } {
  const raw = value.trim();
  if (raw === '') throw invalidHost(value, 'empty host');
  if (/[\s/'"`$;|&<>\\]/.test(raw))
    throw invalidHost(value, 'contains characters not allowed in a host name');
  let rest = raw;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') throw invalidHost(value, 'empty user');
  }
  let host = rest;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    host = bracket[1] ?? '';
    portText = bracket[2];
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const i = rest.indexOf(':');
    host = rest.slice(0, i);
    portText = rest.slice(i + 1);
  }
  if (host === '') throw invalidHost(value, 'empty host name');
  const out: { user?: string; host: string; port?: number } = { host };
  if (user !== undefined) out.user = user;
  if (portText !== undefined) {
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535)
      throw invalidHost(value, `bad port "${portText}"`);
    out.port = port;
  }
  return out;
}

let defaultUser: string | undefined;
function localUser(): string {
  defaultUser ??= userInfo().username;
  return defaultUser;
}

/**
 * The endpoints of a target: its rendered hosts, then its inventory group's hosts (deduplicated).
 * Port precedence: in the host string, inventory entry, target, 22. User: host string, inventory
 * entry, target, the worker's own user.
 */
export function resolveEndpoints(
  target: ResolvedTarget,
  inventory: Record<string, InventoryHost[]>,
): Endpoint[] {
  const jump =
    target.jump !== undefined && target.jump !== '' ? toEndpoint(target.jump, target, {}) : undefined;
  const specs: { label: string; inv: Partial<InventoryHost> }[] = target.hosts.map((h) => ({
    label: h,
    inv: {},
  }));
  if (target.group !== undefined && target.group !== '') {
    const group = Object.prototype.hasOwnProperty.call(inventory, target.group)
      ? inventory[target.group]
      : undefined;
    if (group === undefined)
      throw invalidHost(target.group, `inventory group "${target.group}" is not defined`);
    for (const h of group) {
      specs.push({ label: h.port !== undefined ? `${h.host}:${h.port}` : h.host, inv: h });
    }
  }
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  for (const s of specs) {
    const ep = toEndpoint(s.label, target, s.inv);
    if (jump) ep.jump = jump;
    const key = `${ep.user}@${ep.host}:${ep.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ep);
  }
  return out;
}

function toEndpoint(label: string, target: ResolvedTarget, inv: Partial<InventoryHost>): Endpoint {
  const p = parseHostSpec(label);
  const host = inv.host ?? p.host;
  return {
    label,
    host,
    port: p.port ?? inv.port ?? target.port ?? 22,
    user: p.user ?? inv.user ?? target.user ?? localUser(),
  };
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
