/**
 * Steps and the commands they ran: one row per step with its hosts' results, whether a person
 * decided it (automated vs human), and the one-line forms the timeline shows.
 */
import type { HostRecord, StepRecord } from '../../contracts/incident';
import { decisionText } from './approvals';
import type { ModelContext } from './context';
import { excerpt, formatDuration, msBetween, oneLine } from './format';
import type { HostRow, StepRow } from './model';

/** Every step of the incident, in plan order. */
export function stepRows(ctx: ModelContext): StepRow[] {
  return (ctx.state.steps ?? []).map((s) => stepRow(ctx, s));
}

/** A step ran unattended unless a person approved or rejected it. */
export function stepMode(step: StepRecord): StepRow['mode'] {
  return step.automated && !step.decidedBy ? 'automated' : 'human';
}

/** How many steps ran on their own and how many waited for a person. */
export function modeCounts(steps: readonly StepRow[]): { automatedCount: number; humanCount: number } {
  const automatedCount = steps.filter((s) => s.mode === 'automated').length;
  return { automatedCount, humanCount: steps.length - automatedCount };
}

/** `when: <expr> → <result or error>`, as the step's details and follow-ups show its condition. */
export function conditionText(condition: NonNullable<StepRecord['condition']>): string {
  return `when: ${condition.expr} → ${condition.error ? `error: ${condition.error}` : String(condition.result)}`;
}

function stepRow(ctx: ModelContext, s: StepRecord): StepRow {
  const m = ctx.mask;
  const row: StepRow = {
    id: m(s.id),
    phase: s.phase,
    title: m(s.title),
    status: s.status,
    mode: stepMode(s),
    hosts: (s.hosts ?? []).map((h) => hostRow(ctx, h)),
  };
  if (s.action) row.action = m(s.action);
  if (s.target) row.target = m(s.target);
  if (s.command) row.command = m(s.command);
  if (s.decidedBy) row.decision = decisionText(ctx, s.decidedBy);
  if (s.condition) row.condition = m(conditionText(s.condition));
  if (s.startedAt) row.startedAt = m(s.startedAt);
  if (s.endedAt) row.endedAt = m(s.endedAt);
  const ms = msBetween(s.startedAt, s.endedAt);
  if (ms !== undefined) row.duration = formatDuration(ms);
  if (s.attempts !== undefined) row.attempts = s.attempts;
  if (s.error) row.error = m(s.error);
  return row;
}

function hostRow(ctx: ModelContext, h: HostRecord): HostRow {
  const m = ctx.mask;
  const row: HostRow = {
    host: m(h.host),
    ok: h.ok,
    exitCode: h.exitCode === null ? (h.signal ? `signal ${m(h.signal)}` : 'none') : String(h.exitCode),
    duration: formatDuration(h.durationMs),
    // Mask first, cut second: a cut through a secret would leave its unmasked prefix behind.
    stdout: excerpt(m(h.stdout ?? ''), ctx.excerptChars),
    stderr: excerpt(m(h.stderr ?? ''), ctx.excerptChars),
    truncated: h.truncated,
    replayed: h.replayed === true,
  };
  if (h.error) row.error = m(h.error);
  return row;
}

/** What a starting step is about to run, for its timeline row. Masked. */
export function commandDetails(ctx: ModelContext, step: StepRecord): string[] {
  const details: string[] = [];
  if (step.command) details.push(ctx.mask(`command: ${step.command}`));
  if (step.target) details.push(ctx.mask(`target: ${step.target}`));
  return details;
}

/** A finished step's status (unless its message says it) and one line per host. Masked. */
export function outcomeDetails(ctx: ModelContext, step: StepRecord, message: string): string[] {
  const details: string[] = [];
  if (!message.includes(step.status)) details.push(`status: ${step.status}`);
  for (const h of step.hosts ?? []) details.push(hostLine(ctx, h));
  return details;
}

/** `host: exit 0, 1.2 s — first output line…`, the host's result on one line. */
function hostLine(ctx: ModelContext, h: HostRecord): string {
  const m = ctx.mask;
  const out = oneLine(m(h.stdout || h.stderr || ''), ctx.inlineChars);
  const exit =
    h.exitCode === null ? (h.signal ? `signal ${h.signal}` : 'no exit code') : `exit ${h.exitCode}`;
  return (
    m(`${h.host}: ${exit}, ${formatDuration(h.durationMs)}${h.replayed ? ' (replayed)' : ''}`) +
    (h.error ? ` — ${m(h.error)}` : '') +
    (out ? ` — ${out}` : '')
  );
}
