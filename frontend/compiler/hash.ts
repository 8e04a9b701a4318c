/**
 * A plan's content hash: an incident names the exact runbook version it runs. Stable across
 * releases for the same plan content (key order and whitespace do not count).
 *
 * Not workflow code: the hash uses node:crypto.
 */
import { createHash } from 'node:crypto';
import type { Plan } from '../../contracts/plan';

const quotedKeys = new Map<string, string>();

/** Canonical JSON: object keys sorted, no whitespace, undefined members dropped (as JSON.stringify). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(obj).sort()) {
    const item = obj[key];
    if (item === undefined || typeof item === 'function') continue;
    let quoted = quotedKeys.get(key);
    if (quoted === undefined) {
      quoted = JSON.stringify(key);
      if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
    }
    out += `${first ? '' : ','}${quoted}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** sha256 (hex) of the canonical JSON of everything in the plan but its hash. */
export function planHash(plan: Omit<Plan, 'hash'> | Plan): string {
  const { hash: _ignored, ...rest } = plan as Plan;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}
