/**
 * `firebreak incident list|show|ack|approve|reject|note|close|report` — talks to Temporal directly
 * (config from the environment). Humans act with `--as <person>` (channel `cli`); the workflow's
 * update validators decide whether that person may, and a refusal is explained by its type
 * (refusal.ts). After an action the CLI prints the state it led to (outcome.ts).
 */
import { writeFileSync } from 'node:fs';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Actor, IncidentState } from '../../contracts/incident';
import { recordRefusal } from '../intake/audit';
import { handleOfIncident, incidentState, stateOf } from '../intake/incident-lookup';
import { incidentIdOf, runOf } from '../intake/incident-runs';
import {
  INCIDENT_TYPE_FILTER,
  ackUpdate,
  approveUpdate,
  closeUpdate,
  noteUpdate,
  rejectUpdate,
} from '../../workflows/definitions';
import { loadConfig } from '../../services/config';
import type { FirebreakConfig } from '../../services/config/types';
import { loadOnCall } from '../../services/oncall';
import { renderHtml, renderMarkdown } from '../../services/report';
import { UsageError, parseArgs } from './args';
import type { ParsedArgs } from './args';
import { ago, formatState, pad } from './incident-format';
import type { CliIO } from './io';
import { EXIT } from './io';
import { DEFAULT_SETTLE, outcomeLine, settle } from './outcome';
import type { IncidentAction, SettleOptions } from './outcome';
import { RefusedError, explainRefusal } from './refusal';
import { TemporalUnreachableError, connectCli, explainConnectionFailure } from './temporal';

export { formatState } from './incident-format';

const USAGE = `usage: firebreak incident <subcommand> [options]

  list [--all] [--limit N] [--json]            open incidents (--all: closed ones too)
  show <id> [--json]                           full state: steps, findings, timeline
  ack <id> --as <person> [--comment TEXT]      acknowledge (stops escalation paging)
  approve <id> <step> --as <person> [--comment TEXT]
  reject <id> <step> --as <person> [--comment TEXT]
  note <id> --as <person> TEXT...              add a note to the timeline
  close <id> --as <person> [--outcome resolved|failed] [--comment TEXT]
  report <id> [--format md|html] [--out FILE]  render the post-incident report

After ack, approve, reject, note and close it prints the state the action led to.
Temporal is reached with TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE, etc.
`;

const VALUE_FLAGS = ['as', 'comment', 'limit', 'format', 'out', 'outcome'] as const;
const BOOL_FLAGS = ['json', 'all'] as const;

export interface IncidentCommandDeps {
  client: Client;
  /** Known person ids (from the on-call file) to catch a mistyped --as early; unchecked when absent. */
  people?: string[];
  /** How long an action waits for the workflow to act on it before printing (default 10 s). */
  settle?: SettleOptions;
}

/** One parsed invocation: the subcommand, its arguments and what it runs on. */
interface Invocation {
  sub: string | undefined;
  args: ParsedArgs;
  io: CliIO;
  deps: IncidentCommandDeps;
}

const str = (inv: Invocation, name: string): string | undefined =>
  typeof inv.args.flags[name] === 'string' ? (inv.args.flags[name] as string) : undefined;

function needId(inv: Invocation): string {
  const id = inv.args.positional[0];
  if (!id) throw new UsageError(`incident ${inv.sub} needs an incident id`);
  return id;
}

function actorOf(inv: Invocation): Actor {
  const person = str(inv, 'as') ?? inv.io.env.FIREBREAK_USER;
  if (!person) throw new UsageError(`incident ${inv.sub} needs --as <person> (or FIREBREAK_USER)`);
  if (inv.deps.people && !inv.deps.people.includes(person))
    throw new UsageError(`unknown person "${person}" (not in the on-call file)`);
  return { person, channel: 'cli' };
}

async function list(inv: Invocation): Promise<number> {
  const { client } = inv.deps;
  const limitRaw = str(inv, 'limit');
  const limit = limitRaw === undefined ? 50 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit must be 1..1000, got "${limitRaw}"`);
  let query: string = INCIDENT_TYPE_FILTER;
  if (inv.args.flags.all !== true) query += ` AND ExecutionStatus = 'Running'`;
  const execs: WorkflowExecutionInfo[] = [];
  for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    // A run that continued as new is the same incident as the run after it.
    if (w.status.name === 'CONTINUED_AS_NEW') continue;
    execs.push(w);
    if (execs.length >= limit) break;
  }
  const states = await Promise.all(
    execs.map((w) =>
      stateOf(client, { ...runOf(w), running: w.status.name === 'RUNNING' }).catch(() => undefined),
    ),
  );
  if (inv.args.flags.json === true) {
    const rows = states.map(
      (s, i) => s ?? { id: execs[i] && incidentIdOf(execs[i]), status: execs[i]?.status.name.toLowerCase() },
    );
    inv.io.out(JSON.stringify(rows, null, 2));
    return EXIT.ok;
  }
  if (execs.length === 0) {
    inv.io.out(inv.args.flags.all ? 'no incidents' : 'no open incidents (use --all to include closed ones)');
    return EXIT.ok;
  }
  const rows = [['ID', 'SEV', 'STATUS', 'RUNBOOK', 'ALERTS', 'APPROVALS', 'STARTED']];
  execs.forEach((w, i) => {
    const s = states[i];
    rows.push(
      s
        ? [
            s.id,
            s.severity,
            s.status,
            s.runbook.id,
            String(s.alertCount),
            s.pendingApprovals.map((p) => p.stepId).join(',') || '-',
            ago(s.startedAt),
          ]
        : [incidentIdOf(w), '?', w.status.name.toLowerCase(), '?', '?', '?', ago(w.startTime.toISOString())],
    );
  });
  inv.io.out(pad(rows));
  return EXIT.ok;
}

/** The update `action` stands for, with its arguments. */
async function sendUpdate(
  inv: Invocation,
  action: IncidentAction,
  id: string,
  stepId: string | undefined,
): Promise<IncidentState> {
  const handle = await handleOfIncident(inv.deps.client, id);
  const actor = actorOf(inv);
  const comment = str(inv, 'comment');
  const extra = comment ? { comment } : {};
  switch (action) {
    case 'ack':
      return handle.executeUpdate(ackUpdate, { args: [{ actor, ...extra }] });
    case 'note': {
      const text = inv.args.positional.slice(1).join(' ').trim();
      if (!text) throw new UsageError('incident note needs the note text');
      return handle.executeUpdate(noteUpdate, { args: [{ actor, text }] });
    }
    case 'approve':
    case 'reject':
      return handle.executeUpdate(action === 'approve' ? approveUpdate : rejectUpdate, {
        args: [{ stepId: stepId as string, actor, ...extra }],
      });
    case 'close': {
      const outcome = str(inv, 'outcome') ?? 'resolved';
      if (outcome !== 'resolved' && outcome !== 'failed')
        throw new UsageError(`--outcome must be resolved or failed, got "${outcome}"`);
      return handle.executeUpdate(closeUpdate, { args: [{ actor, outcome, ...extra }] });
    }
  }
}

/**
 * Runs an action, then prints the state it led to. A refusal is explained (refusal.ts), recorded
 * on the incident's audit trail with that reason, and thrown as a {@link RefusedError}.
 */
async function act(inv: Invocation, action: IncidentAction): Promise<number> {
  const id = needId(inv);
  const stepId = action === 'approve' || action === 'reject' ? inv.args.positional[1] : undefined;
  if ((action === 'approve' || action === 'reject') && !stepId)
    throw new UsageError(`incident ${action} needs <id> <step>`);
  const { client } = inv.deps;
  let answered: IncidentState;
  try {
    answered = await sendUpdate(inv, action, id, stepId);
  } catch (err) {
    const reason = await explainRefusal(err, client, id, stepId);
    if (reason === undefined) throw err;
    await recordRefusal(client, id, { actor: actorOf(inv), action, ...(stepId ? { stepId } : {}), reason });
    throw new RefusedError(reason);
  }
  const opts = inv.deps.settle ?? DEFAULT_SETTLE;
  const outcome = await settle(client, action, answered, stepId, opts);
  if (inv.args.flags.json === true) inv.io.out(JSON.stringify(outcome.state, null, 2));
  else inv.io.out(outcomeLine(action, outcome, stepId, opts.timeoutMs));
  return EXIT.ok;
}

async function report(inv: Invocation): Promise<number> {
  const format = str(inv, 'format') ?? 'md';
  if (format !== 'md' && format !== 'html')
    throw new UsageError(`--format must be md or html, got "${format}"`);
  const s = await incidentState(inv.deps.client, needId(inv));
  const text = format === 'md' ? renderMarkdown(s) : renderHtml(s);
  const out = str(inv, 'out');
  if (out) {
    writeFileSync(out, text);
    inv.io.out(`report written to ${out}`);
  } else inv.io.out(text);
  return EXIT.ok;
}

export async function runIncident(argv: string[], io: CliIO, deps: IncidentCommandDeps): Promise<number> {
  const [sub, ...rest] = argv;
  const inv: Invocation = { sub, args: parseArgs(rest, VALUE_FLAGS, BOOL_FLAGS), io, deps };
  switch (sub) {
    case 'list':
      return list(inv);
    case 'show': {
      const s = await incidentState(deps.client, needId(inv));
      io.out(inv.args.flags.json === true ? JSON.stringify(s, null, 2) : formatState(s));
      return EXIT.ok;
    }
    case 'ack':
    case 'note':
    case 'approve':
    case 'reject':
    case 'close':
      return act(inv, sub);
    case 'report':
      return report(inv);
    default:
      throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand');
  }
}

/** The message for a failed subcommand, and its exit code. */
function failure(err: unknown): { message: string; code: number } {
  if (err instanceof UsageError) return { message: `${err.message}\n\n${USAGE}`, code: EXIT.usage };
  if (err instanceof WorkflowNotFoundError)
    return { message: `no such incident: ${err.workflowId}`, code: EXIT.failed };
  if (err instanceof RefusedError) return { message: `refused: ${err.reason}`, code: EXIT.failed };
  if (err instanceof TemporalUnreachableError) return { message: err.message, code: EXIT.failed };
  return { message: err instanceof Error ? err.message : String(err), code: EXIT.failed };
}

/** Runs a subcommand and maps failures to exit codes with a readable message. */
export async function runIncidentSafely(
  argv: string[],
  io: CliIO,
  deps: () => Promise<IncidentCommandDeps & { close?: () => Promise<void> }>,
  explain: (err: unknown) => unknown = (err) => err,
): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    io.out(USAGE);
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  let d: (IncidentCommandDeps & { close?: () => Promise<void> }) | undefined;
  try {
    // Parse first so usage errors do not wait on a connection.
    parseArgs(argv.slice(1), VALUE_FLAGS, BOOL_FLAGS);
    d = await deps();
    return await runIncident(argv, io, d);
  } catch (err) {
    const f = failure(explain(err));
    io.err(`firebreak incident: ${f.message}`);
    return f.code;
  } finally {
    await d?.close?.();
  }
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  let config: FirebreakConfig | undefined;
  return runIncidentSafely(
    argv,
    io,
    async () => {
      config = loadConfig(io.env);
      let people: string[] | undefined;
      try {
        people = loadOnCall(config.oncallFile).people.map((p) => p.id);
      } catch {
        people = undefined; // no on-call file: the workflow validator still checks the person
      }
      const { client, close } = await connectCli(config, io.env);
      return { client, close, ...(people ? { people } : {}) };
    },
    // Temporal going away after the connection was made reads the same as not reaching it.
    (err) => (config ? explainConnectionFailure(err, config, io.env) : err),
  );
}
