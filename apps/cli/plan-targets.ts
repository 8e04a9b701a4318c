/**
 * `firebreak plan`'s view of targets: for each, exactly where its commands would run — through
 * the same renderer and resolver the workflow and the `runCommand` activity use — or why it
 * cannot be resolved for this alert.
 */
import type { TargetSettings } from '../../services/config';
import type { TargetEndpoint } from '../../contracts/commands';
import type { ExpressionContext, TargetSpec } from '../../contracts/plan';
import { endpointText, renderTarget, resolveEndpoints } from '../../language/plan/targets';

/** The user shown when neither the inventory nor the target names one: the worker's own. */
export const WORKER_USER = "(worker's user)";

/** One endpoint as `plan` shows it. */
export interface EndpointView {
  /** The host as the runbook rendered it (`db1:9187`, `127.0.0.1`; the entry, for a group). */
  label: string;
  /** `user@host:port`, exactly what is dialled. */
  dial: string;
  /** The rendered host, when it differs from the host dialled (an exporter's instance, an alias). */
  from?: string;
  /** Which inventory entry supplied it, if one did. */
  via?: string;
}

export interface TargetView {
  name: string;
  transport: 'ssh' | 'local';
  /** The host templates as rendered for this alert. */
  hosts: string[];
  group?: string;
  user?: string;
  port?: number;
  /** Where commands run; absent when the target cannot be resolved (see `error`). */
  endpoints?: EndpointView[];
  error?: string;
}

function endpointView(ep: TargetEndpoint): EndpointView {
  return {
    label: ep.label,
    dial: endpointText(ep),
    ...(ep.label !== '' && ep.label !== ep.host ? { from: ep.label } : {}),
    ...(ep.via !== undefined ? { via: ep.via } : {}),
  };
}

/** The target rendered against the alert and resolved against the inventory. */
export function targetView(t: TargetSpec, ctx: ExpressionContext, settings: TargetSettings): TargetView {
  const view: TargetView = {
    name: t.name,
    transport: t.transport,
    hosts: [],
    ...(t.group !== undefined ? { group: t.group } : {}),
    ...(t.user !== undefined ? { user: t.user } : {}),
    ...(t.port !== undefined ? { port: t.port } : {}),
  };
  try {
    const resolved = renderTarget(t, ctx);
    view.hosts = resolved.hosts;
    if (resolved.group !== undefined) view.group = resolved.group;
    if (t.transport === 'local') return { ...view, endpoints: [] };
    const endpoints = resolveEndpoints(resolved, settings.inventory, {
      strictInventory: settings.strictInventory ?? false,
      defaultUser: WORKER_USER,
    });
    view.endpoints = endpoints.map(endpointView);
  } catch (err) {
    view.error = err instanceof Error ? err.message : String(err);
  }
  return view;
}

/** The lines `plan` prints for a target. */
export function targetText(t: TargetView): string[] {
  if (t.error !== undefined) return [`  target ${t.name}: ${t.error}`];
  if (t.transport === 'local') return [`  target ${t.name}: local (on the worker itself)`];
  const endpoints = t.endpoints ?? [];
  if (endpoints.length === 0) return [`  target ${t.name}: ssh → (no hosts)`];
  return [
    `  target ${t.name}: ssh${t.group !== undefined ? ` (group ${t.group})` : ''} →`,
    ...endpoints.map((e) => {
      const notes = [
        ...(e.from !== undefined ? [`from "${e.from}"`] : []),
        ...(e.via !== undefined ? [e.via] : []),
      ];
      return `    ${e.dial}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
    }),
  ];
}
