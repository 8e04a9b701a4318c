/**
 * The inventory and the library-wide severity mapping, as the config file gives them: checked
 * entry by entry, each problem naming the key and value at fault.
 *
 * ```yaml
 * inventory:
 *   pg-prod:
 *     - db1.internal                               # a host name
 *     - { host: 10.0.0.12, port: 2222, user: ops, aliases: [db2, 'db2:9187', db2.prod.example.com] }
 * strictInventory: true                            # refuse hosts from alerts that are not listed
 * severityFrom: { label: severity, map: { critical: P0, warning: P2, info: P3 } }
 * ```
 */
import { isHostName } from '../../language/expressions/hosts';
import { SEVERITIES, type Severity, type SeverityRule } from '../../contracts/plan';
import type { Inventory, InventoryHost } from '../../contracts/inventory';
import { ConfigError } from './errors';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ENTRY_KEYS = new Set(['host', 'port', 'user', 'aliases']);

function checkEntry(h: unknown, key: string): InventoryHost {
  if (typeof h === 'string') h = { host: h };
  if (!isRecord(h) || typeof h.host !== 'string')
    throw new ConfigError(
      key,
      `expected a host name or {host, port?, user?, aliases?}, got ${JSON.stringify(h)}`,
    );
  const unknown = Object.keys(h).find((k) => !ENTRY_KEYS.has(k));
  if (unknown !== undefined)
    throw new ConfigError(`${key}.${unknown}`, 'unknown key (host, port, user, aliases)');
  if (!isHostName(h.host))
    throw new ConfigError(`${key}.host`, `"${h.host}" is not a host name or IP address`);
  const entry: InventoryHost = { host: h.host };
  if (h.port !== undefined) {
    if (typeof h.port !== 'number' || !Number.isInteger(h.port) || h.port < 1 || h.port > 65535)
      throw new ConfigError(`${key}.port`, `expected a port 1..65535, got ${JSON.stringify(h.port)}`);
    entry.port = h.port;
  }
  if (h.user !== undefined) {
    if (typeof h.user !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(h.user))
      throw new ConfigError(`${key}.user`, `expected a login name, got ${JSON.stringify(h.user)}`);
    entry.user = h.user;
  }
  if (h.aliases !== undefined) {
    if (!Array.isArray(h.aliases) || !h.aliases.every((a) => typeof a === 'string' && a.trim() !== ''))
      throw new ConfigError(`${key}.aliases`, `expected a list of names, got ${JSON.stringify(h.aliases)}`);
    entry.aliases = h.aliases.map((a: string) => a.trim());
  }
  return entry;
}

/** The inventory: group name → hosts, each a name or `{host, port?, user?, aliases?}`. */
export function checkInventory(inv: unknown): Inventory {
  if (inv === undefined || inv === null) return {};
  if (!isRecord(inv)) throw new ConfigError('inventory', 'must be a mapping of group name → hosts');
  const out: Inventory = {};
  for (const [group, hosts] of Object.entries(inv)) {
    if (!Array.isArray(hosts)) throw new ConfigError(`inventory.${group}`, 'must be a list of hosts');
    out[group] = hosts.map((h, i) => checkEntry(h, `inventory.${group}[${i}]`));
  }
  return out;
}

/** The library-wide severity mapping `{label?, map}` (label default `severity`), if configured. */
export function checkSeverityFrom(raw: unknown): SeverityRule | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw) || !isRecord(raw.map))
    throw new ConfigError(
      'severityFrom',
      `expected {label?, map: {value: P0..P3}}, got ${JSON.stringify(raw)}`,
    );
  if (raw.label !== undefined && (typeof raw.label !== 'string' || raw.label === ''))
    throw new ConfigError('severityFrom.label', `expected a label name, got ${JSON.stringify(raw.label)}`);
  const map: Record<string, Severity> = {};
  for (const [value, sev] of Object.entries(raw.map)) {
    if (!SEVERITIES.includes(sev as Severity))
      throw new ConfigError(
        `severityFrom.map.${value}`,
        `expected one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(sev)}`,
      );
    map[value] = sev as Severity;
  }
  return { label: typeof raw.label === 'string' ? raw.label : 'severity', map };
}
