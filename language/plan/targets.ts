/**
 * Target resolution: the ONE function that turns a target (its rendered hosts and group) and the
 * inventory into the exact endpoints dialled — `firebreak plan` prints them, the `runCommand`
 * activity dials them. Pure and sandbox-safe.
 *
 * The rule it enforces: a host from a label is a host. A value that came from alert data must be
 * a bare host name or address; `user@`, a port, a scheme, a path, whitespace or a leading `-` is
 * refused, so an alert can never choose the SSH user, port or options. Only text the runbook
 * author wrote may say `user@host:port`; otherwise user and port come from the inventory, then
 * the target, then defaults. An inventory alias may match the whole rendering (an exporter's
 * `instance="db1:9187"`), and in strict mode a host from alert data must be in the inventory.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { RenderedHostPart, ResolvedTarget, TargetEndpoint } from '../../contracts/commands';
import { FAILURE_TYPES } from '../../contracts/failures';
import type { Inventory, InventoryHost, TargetPolicy } from '../../contracts/inventory';
import type { ExpressionContext, TargetSpec } from '../../contracts/plan';
import { hostProblem, isHostName, parseTemplate, referencedKeys, renderTemplateParts } from '../expressions';

/** A target that cannot be resolved: permanent (retrying renders the same labels again). */
export function targetError(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FAILURE_TYPES.invalidHost, message, nonRetryable: true });
}

const partText = (p: RenderedHostPart): string => ('lit' in p ? p.lit : p.value);

/** Why rendering failed, in the words of the labels: a missing label is named as such. */
function explainRenderFailure(target: string, expr: string, ctx: ExpressionContext, err: unknown): string {
  const has = (l: string): boolean => Object.prototype.hasOwnProperty.call(ctx.labels, l);
  const missing = referencedKeys(expr, 'labels').filter((l) => !has(l));
  // A key read through an expression (`labels[vars.which]`) shows only in the evaluation error.
  const dynamic = /no such key "([^"]+)"/.exec(err instanceof Error ? err.message : '')?.[1];
  if (missing.length === 0 && dynamic !== undefined && !has(dynamic) && /\blabels\s*\[/.test(expr))
    missing.push(dynamic);
  if (missing.length === 1) return `cannot resolve target ${target}: label "${missing[0]}" is missing`;
  if (missing.length > 1)
    return `cannot resolve target ${target}: labels ${missing.map((l) => `"${l}"`).join(', ')} are missing`;
  return `cannot resolve target ${target}: ${err instanceof Error ? err.message : String(err)}`;
}

function renderParts(target: string, tpl: TargetSpec['hosts'][number], ctx: ExpressionContext) {
  try {
    return renderTemplateParts(tpl, ctx);
  } catch (err) {
    const expr = tpl.parts.map((p) => ('expr' in p ? p.expr : '')).join(' ');
    throw targetError(explainRenderFailure(target, expr, ctx, err));
  }
}

/**
 * Renders a target's host templates and templated group against the incident's context. Hosts
 * that render empty are dropped (a `has()`-guarded optional host). Throws `InvalidHost` naming
 * the missing label.
 */
export function renderTarget(target: TargetSpec, ctx: ExpressionContext): ResolvedTarget {
  const hostParts: RenderedHostPart[][] = [];
  for (const tpl of target.hosts) {
    const parts = renderParts(target.name, tpl, ctx);
    if (parts.map(partText).join('').trim() !== '') hostParts.push(parts);
  }
  const { hosts: _templates, group, ...rest } = target;
  const out: ResolvedTarget = {
    ...rest,
    hosts: hostParts.map((p) => p.map(partText).join('').trim()),
    hostParts,
  };
  if (group !== undefined) {
    const name = renderParts(target.name, parseTemplate(group, 'text'), ctx).map(partText).join('').trim();
    if (name === '')
      throw targetError(`cannot resolve target ${target.name}: group "${group}" rendered empty`);
    out.group = name;
  }
  return out;
}

/** An inventory machine found under a name, and where. */
interface InventoryMatch {
  entry: InventoryHost;
  group: string;
  index: number;
}

const norm = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');

/** Every name (host and aliases) → the first machine carrying it. */
function inventoryIndex(inventory: Inventory): Map<string, InventoryMatch> {
  const index = new Map<string, InventoryMatch>();
  for (const [group, hosts] of Object.entries(inventory)) {
    hosts.forEach((entry, i) => {
      for (const name of [entry.host, ...(entry.aliases ?? [])]) {
        if (!index.has(norm(name))) index.set(norm(name), { entry, group, index: i });
      }
    });
  }
  return index;
}

/** `[user@]host[:port]` as author text, with where the host sits in it. */
interface HostSpec {
  user?: string;
  host: string;
  port?: number;
  hostStart: number;
  hostEnd: number;
}

/** Parses `[user@]host[:port]`, `[v6addr]:port` or a bare IPv6 address (author text). */
export function parseHostSpec(value: string): HostSpec {
  const bad = (why: string) => targetError(`invalid host "${value}": ${why}`);
  if (value.trim() === '') throw bad('empty host');
  if (/[\s/'"`$;|&<>\\]/.test(value)) throw bad('contains characters not allowed in a host name');
  const at = value.lastIndexOf('@');
  if (at === 0) throw bad('empty user');
  const start = at + 1;
  const rest = value.slice(start);
  let host = rest;
  let hostEnd = value.length;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d*))?$/.exec(rest);
  if (bracket) {
    host = bracket[1] ?? '';
    hostEnd = start + host.length + 2;
    portText = bracket[2];
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    host = rest.slice(0, rest.indexOf(':'));
    hostEnd = start + host.length;
    portText = rest.slice(host.length + 1);
  }
  if (host === '') throw bad('empty host name');
  if (value.startsWith('-') || host.startsWith('-')) throw bad('starts with "-"');
  const spec: HostSpec = { host, hostStart: start, hostEnd };
  if (at > 0) spec.user = value.slice(0, at);
  if (portText !== undefined) {
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw bad(`bad port "${portText}"`);
    spec.port = port;
  }
  return spec;
}

/** A value from alert data refused as a host, with the way out. */
function refuse(target: string, value: string, expr: string, why: string): ApplicationFailure {
  const hint = /user|port|URL|path/.test(why)
    ? `; use hostOf(${expr}) to take the host of an address such as an exporter's instance`
    : '';
  return targetError(
    `target ${target}: ${JSON.stringify(value)} from ${expr} is not a host name (it ${why})${hint}`,
  );
}

/** Author text with alert values spliced in (bare IPv6 bracketed), and where each value landed. */
function splice(
  target: string,
  parts: RenderedHostPart[],
): { text: string; spans: [number, number, string][] } {
  let text = '';
  const spans: [number, number, string][] = [];
  for (const p of parts) {
    if ('lit' in p) {
      text += p.lit;
      continue;
    }
    const why = hostProblem(p.value);
    if (why !== undefined) throw refuse(target, p.value, p.expr, why);
    const v = p.value.includes(':') && !p.value.startsWith('[') ? `[${p.value}]` : p.value;
    spans.push([text.length, text.length + v.length, p.expr]);
    text += v;
  }
  return { text, spans };
}

/** Where a machine of the inventory is dialled: author text first, then the entry, then the target. */
function inventoryEndpoint(
  target: ResolvedTarget,
  m: InventoryMatch,
  spec: Partial<HostSpec>,
  label: string,
  policy: TargetPolicy,
  how: string,
): TargetEndpoint {
  return {
    label,
    host: m.entry.host,
    port: spec.port ?? m.entry.port ?? target.port ?? 22,
    user: spec.user ?? m.entry.user ?? target.user ?? policy.defaultUser,
    via: `inventory ${m.group}[${m.index}] "${m.entry.host}"${how}`,
  };
}

/** One rendered host → its endpoint. */
function hostEndpoint(
  target: ResolvedTarget,
  parts: RenderedHostPart[],
  index: Map<string, InventoryMatch>,
  policy: TargetPolicy,
): TargetEndpoint {
  const label = parts.map(partText).join('').trim();
  const fromAlert = parts.some((p) => 'value' in p);
  // An operator's alias may name the whole rendering, e.g. an exporter's instance `db1:9187`.
  const whole = index.get(norm(label));
  if (whole && norm(label) !== norm(whole.entry.host))
    return inventoryEndpoint(target, whole, {}, label, policy, ` via alias "${label}"`);
  const { text, spans } = splice(target.name, parts);
  const spec = parseHostSpec(text.trim());
  const offset = text.length - text.trimStart().length;
  for (const [s, e, expr] of spans) {
    if (s - offset < spec.hostStart || e - offset > spec.hostEnd)
      throw targetError(
        `target ${target.name}: the value of ${expr} would become part of the SSH user or port; only runbook text may set them`,
      );
  }
  if (!isHostName(spec.host)) throw targetError(`invalid host "${label}": not a host name or IP address`);
  const m = index.get(norm(spec.host));
  if (m) {
    const how = norm(spec.host) === norm(m.entry.host) ? '' : ` via alias "${spec.host}"`;
    return inventoryEndpoint(target, m, spec, label, policy, how);
  }
  if (fromAlert && policy.strictInventory)
    throw targetError(
      `target ${target.name}: host "${spec.host}" (from ${label === spec.host ? 'the alert' : `"${label}"`}) is not in the inventory, and strict inventory refuses hosts it does not know; add it (or an alias) to the inventory`,
    );
  return {
    label,
    host: spec.host,
    port: spec.port ?? target.port ?? 22,
    user: spec.user ?? target.user ?? policy.defaultUser,
  };
}

/** The members of the target's inventory group. */
function groupEndpoints(
  target: ResolvedTarget,
  inventory: Inventory,
  policy: TargetPolicy,
): TargetEndpoint[] {
  const name = target.group;
  if (name === undefined || name === '') return [];
  const group = Object.prototype.hasOwnProperty.call(inventory, name) ? inventory[name] : undefined;
  if (group === undefined)
    throw targetError(`target ${target.name}: inventory group "${name}" is not defined`);
  return group.map((entry, index) => ({
    ...inventoryEndpoint(target, { entry, group: name, index }, {}, '', policy, ''),
    label: entry.port !== undefined ? `${entry.host}:${entry.port}` : entry.host,
  }));
}

/**
 * The endpoints of a target: its rendered hosts, then its inventory group's machines, without
 * duplicates. Port precedence: author text, inventory entry, target, 22. User: author text,
 * inventory entry, target, `policy.defaultUser`. Throws `InvalidHost` with a message that names
 * the offending value.
 */
export function resolveEndpoints(
  target: ResolvedTarget,
  inventory: Inventory,
  policy: TargetPolicy,
): TargetEndpoint[] {
  const index = inventoryIndex(inventory);
  let jump: TargetEndpoint | undefined;
  if (target.jump !== undefined && target.jump !== '') {
    const j = parseHostSpec(target.jump);
    jump = {
      label: target.jump,
      host: j.host,
      port: j.port ?? target.port ?? 22,
      user: j.user ?? target.user ?? policy.defaultUser,
    };
  }
  const parts = target.hostParts ?? target.hosts.map((h) => [{ lit: h }]);
  const all = [
    ...parts.map((p) => hostEndpoint(target, p, index, policy)),
    ...groupEndpoints(target, inventory, policy),
  ];
  const seen = new Set<string>();
  const out: TargetEndpoint[] = [];
  for (const ep of all) {
    const key = `${ep.user}@${ep.host}:${ep.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(jump ? { ...ep, jump } : ep);
  }
  return out;
}

/** `user@host:port` as dialled (IPv6 bracketed). */
export function endpointText(ep: TargetEndpoint): string {
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${ep.user}@${host}:${ep.port}`;
}
