import type { ResolveOnCallInput } from '../../contracts/oncall';
import type { OnCallSnapshot, Person } from '../../contracts/incident';
import { durationMs } from '../../language/actions';
import type { NotificationKind, Severity } from '../../contracts/plan';
import { unknownChain, unknownContact } from './errors';
import type { OnCallChain, OnCallConfig } from './types';

/** `*` globs over names (no other metacharacters: names are plain identifiers). */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.\\+?^${}()|[\]-]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(value);
}

function matches(patterns: string[] | undefined, value: string): boolean {
  return !patterns || patterns.some((p) => globMatch(p, value));
}

/** Expand a person or team name to person ids; throws a non-retryable failure for unknown names. */
export function expandContact(c: OnCallConfig, name: string, where: string): string[] {
  if (c.people.some((p) => p.id === name)) return [name];
  const team = (c.teams ?? []).find((t) => t.id === name);
  if (team) return [...team.members];
  throw unknownContact(name, where);
}

function expandAll(c: OnCallConfig, names: string[], where: string): string[] {
  return unique(names.flatMap((n) => expandContact(c, n, where)));
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** The chain for a service/severity when the runbook names none: first match, else one named `default`. */
export function pickChain(c: OnCallConfig, service: string, severity: Severity): OnCallChain | undefined {
  const chains = c.chains ?? [];
  return (
    chains.find(
      (ch) =>
        (ch.services || ch.severities) &&
        matches(ch.services, service) &&
        (!ch.severities || ch.severities.includes(severity)),
    ) ?? chains.find((ch) => ch.name === 'default')
  );
}

/** Every contact name (person or team) the config defines. */
export function contactNames(c: OnCallConfig): Set<string> {
  return new Set([...c.people.map((p) => p.id), ...(c.teams ?? []).map((t) => t.id)]);
}

function chainLevels(c: OnCallConfig, chain: OnCallChain): { name: string; people: string[] }[] {
  return chain.levels.map((l, i) => ({
    name: l.name ?? `level ${i + 1}`,
    people: expandAll(c, l.contacts, `chain ${chain.name} level ${i + 1}`),
  }));
}

/**
 * The on-call facts for one incident: escalation levels (the runbook's named chain, else its
 * explicit levels, else the chain for its service and severity), approvers (matching rules; the
 * runbook's owners when no rule matches, so approvals are never impossible), responders and
 * notification recipients. Pure: the activity wraps it so the snapshot lands in history once.
 */
export function resolveOnCall(c: OnCallConfig, input: ResolveOnCallInput): OnCallSnapshot {
  // A named chain wins (the runbook's explicit levels are its fallback when the chain is unknown
  // to the plan's author's environment); otherwise explicit levels; otherwise the chain for the
  // service and severity.
  let levels: { name: string; people: string[] }[];
  let chain: OnCallChain | undefined;
  if (input.chain) {
    chain = (c.chains ?? []).find((ch) => ch.name === input.chain);
    if (!chain) throw unknownChain(input.chain);
    levels = chainLevels(c, chain);
  } else if (input.levels.length > 0) {
    levels = input.levels.map((names, i) => ({
      name: `level ${i + 1}`,
      people: expandAll(c, names, `runbook ${input.runbookId} escalation level ${i + 1}`),
    }));
  } else {
    chain = pickChain(c, input.service, input.severity);
    levels = chain ? chainLevels(c, chain) : [];
  }
  const interval = chain?.interval?.[input.severity];

  const rules = (c.approvers ?? []).filter(
    (r) =>
      matches(r.runbooks, input.runbookId) &&
      matches(r.services, input.service) &&
      (!r.severities || r.severities.includes(input.severity)),
  );
  const owners = expandAll(c, input.owners, `runbook ${input.runbookId} owners`);
  let approvers = unique(rules.flatMap((r) => expandAll(c, r.contacts, 'approvers')));
  if (approvers.length === 0) approvers = owners;

  const notify: Partial<Record<NotificationKind, string[]>> = {};
  for (const spec of input.notify) {
    const to = expandAll(c, spec.to, `runbook ${input.runbookId} notify`);
    for (const kind of spec.on) notify[kind] = unique([...(notify[kind] ?? []), ...to]);
  }

  const responders = unique([...approvers, ...owners, ...levels.flatMap((l) => l.people)]);
  const involved = unique([...responders, ...Object.values(notify).flat()]);
  const people: Record<string, Person> = {};
  for (const id of involved) {
    const p = c.people.find((x) => x.id === id);
    if (p) people[id] = { id: p.id, name: p.name, email: p.email };
  }
  return {
    people,
    levels,
    approvers,
    responders,
    notify,
    owners,
    ...(interval !== undefined ? { intervalMs: durationMs(interval) } : {}),
  };
}
