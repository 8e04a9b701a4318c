/**
 * `firebreak incident list|show|ack|approve|reject|note|close|report` — talks to Temporal directly
 * (config from the environment). Humans act with `--as <person>` (channel `cli`); the workflow's
 * update validators decide whether that person may.
 */
import { writeFileSync } from 'node:fs';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Actor, IncidentState, RefusalSignal } from '../../contracts/incident';
import { recordRefusal, updateRefusal } from '../intake/audit';
import { handleOfIncident, incidentState, stateOf } from '../intake/incident-lookup';
import { incidentIdOf, runOf } from '../intake/incident-runs';
import {
  INCIDENT_WORKFLOW,
  ackUpdate,
  approveUpdate,
  closeUpdate,
  noteUpdate,
  rejectUpdate,
} from '../../workflows/definitions';
import { loadConfig } from '../../services/config';
import { loadOnCall } from '../../services/oncall';
import { renderHtml, renderMarkdown } from '../../services/report';
import { UsageError, parseArgs } from './args';
import { connectClient } from '../../services/config/client';
import type { CliIO } from './io';
import { EXIT } from './io';

const USAGE = `usage: firebreak incident <subcommand> [options]

  list [--all] [--limit N] [--json]            open incidents (--all: closed ones too)
  show <id> [--json]                           full state: steps, findings, timeline
  ack <id> --as <person> [--comment TEXT]      acknowledge (stops escalation paging)
  approve <id> <step> --as <person> [--comment TEXT]
  reject <id> <step> --as <person> [--comment TEXT]
  note <id> --as <person> TEXT...              add a note to the timeline
  close <id> --as <person> [--outcome resolved|failed] [--comment TEXT]
  report <id> [--format md|html] [--out FILE]  render the post-incident report

Temporal is reached with TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE, etc.
`;

export interface IncidentCommandDeps {
  client: Client;
  /** Known person ids (from the on-call file) to catch a mistyped --as early; unchecked when absent. */
  people?: string[];
}

function pad(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function formatState(s: IncidentState): string {
  const lines = [
    `${s.id}`,
    `  runbook    ${s.runbook.title} (${s.runbook.id}, plan ${s.runbook.planHash.slice(0, 12)})`,
    `  service    ${s.runbook.service}`,
    `  severity   ${s.severity}`,
    `  status     ${s.status}${s.acknowledged ? ` (acknowledged by ${s.acknowledged.by.person})` : ''}`,
    `  alert      ${s.alert.labels.alertname ?? '-'} fingerprint ${s.alert.fingerprint}, ${s.alertCount} deliver${s.alertCount === 1 ? 'y' : 'ies'}${s.alertResolvedAt ? `, resolved ${s.alertResolvedAt}` : ''}`,
    `  started    ${s.startedAt}${s.endedAt ? `  ended ${s.endedAt}` : ''}`,
    `  escalation level ${s.escalation.level + 1}, ${s.escalation.pages} page(s)${s.escalation.nextAt ? `, next ${s.escalation.nextAt}` : ''}${s.escalation.stopped ? ', stopped' : ''}`,
  ];
  if (s.pendingApprovals.length) {
    lines.push('', 'pending approvals:');
    for (const p of s.pendingApprovals)
      lines.push(`  ${p.stepId}  by ${p.approvers.join(', ')}  until ${p.expiresAt}`);
  }
  if (s.steps.length) {
    lines.push('', 'steps:');
    lines.push(
      pad([
        ['  PHASE', 'STEP', 'STATUS', 'DETAIL'],
        ...s.steps.map((st) => [
          `  ${st.phase}`,
          st.id,
          st.status,
          [
            st.decidedBy
              ? `${st.decidedBy.decision} by ${st.decidedBy.person} (${st.decidedBy.channel})`
              : '',
            st.hosts.map((h) => `${h.host}:${h.exitCode ?? '-'}`).join(' '),
            st.error ?? '',
          ]
            .filter(Boolean)
            .join('; '),
        ]),
      ]),
    );
  }
  if (s.timeline.length) {
    lines.push('', 'timeline:');
    for (const t of s.timeline) lines.push(`  ${t.at}  ${t.kind.padEnd(20)} ${t.message}`);
  }
  lines.push('', `report: firebreak incident report ${s.id}`);
  return lines.join('\n');
}

export async function runIncident(argv: string[], io: CliIO, deps: IncidentCommandDeps): Promise<number> {
  const [sub, ...rest] = argv;
  const { client } = deps;
  const args = parseArgs(rest, ['as', 'comment', 'limit', 'format', 'out', 'outcome'], ['json', 'all']);
  const [id, ...more] = args.positional;
  const json = args.flags.json === true;
  const str = (name: string): string | undefined =>
    typeof args.flags[name] === 'string' ? (args.flags[name] as string) : undefined;
  const needId = (): string => {
    if (!id) throw new UsageError(`incident ${sub} needs an incident id`);
    return id;
  };
  const actor = (): Actor => {
    const person = str('as') ?? io.env.FIREBREAK_USER;
    if (!person) throw new UsageError(`incident ${sub} needs --as <person> (or FIREBREAK_USER)`);
    if (deps.people && !deps.people.includes(person))
      throw new UsageError(`unknown person "${person}" (not in the on-call file)`);
    return { person, channel: 'cli' };
  };
  /** Runs an update; a refusal is reported to the incident's audit trail before it is shown. */
  const audited = async (
    action: RefusalSignal['action'],
    stepId: string | undefined,
    run: () => Promise<IncidentState>,
  ): Promise<IncidentState> => {
    try {
      return await run();
    } catch (err) {
      const reason = updateRefusal(err);
      if (reason)
        await recordRefusal(client, needId(), {
          actor: actor(),
          action,
          ...(stepId ? { stepId } : {}),
          reason,
        });
      throw err;
    }
  };
  const comment = (): { comment?: string } => (str('comment') ? { comment: str('comment') as string } : {});
  const print = (s: IncidentState, verb: string): void => {
    if (json) io.out(JSON.stringify(s, null, 2));
    else io.out(`${verb}: ${s.id} is now ${s.status}`);
  };

  switch (sub) {
    case 'list': {
      const limitRaw = str('limit');
      const limit = limitRaw === undefined ? 50 : Number(limitRaw);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new UsageError(`--limit must be 1..1000, got "${limitRaw}"`);
      let query = `WorkflowType = '${INCIDENT_WORKFLOW}'`;
      if (args.flags.all !== true) query += ` AND ExecutionStatus = 'Running'`;
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
      if (json) {
        io.out(
          JSON.stringify(
            states.map(
              (s, i) =>
                s ?? { id: execs[i] && incidentIdOf(execs[i]), status: execs[i]?.status.name.toLowerCase() },
            ),
            null,
            2,
          ),
        );
        return EXIT.ok;
      }
      if (execs.length === 0) {
        io.out(args.flags.all ? 'no incidents' : 'no open incidents (use --all to include closed ones)');
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
            : [
                incidentIdOf(w),
                '?',
                w.status.name.toLowerCase(),
                '?',
                '?',
                '?',
                ago(w.startTime.toISOString()),
              ],
        );
      });
      io.out(pad(rows));
      return EXIT.ok;
    }
    case 'show': {
      const s = await incidentState(client, needId());
      io.out(json ? JSON.stringify(s, null, 2) : formatState(s));
      return EXIT.ok;
    }
    case 'ack':
      print(
        await audited('ack', undefined, async () =>
          (await handleOfIncident(client, needId())).executeUpdate(ackUpdate, {
            args: [{ actor: actor(), ...comment() }],
          }),
        ),
        'acknowledged',
      );
      return EXIT.ok;
    case 'approve':
    case 'reject': {
      const incident = needId();
      const stepId = more[0];
      if (!stepId) throw new UsageError(`incident ${sub} needs <id> <step>`);
      const s = await audited(sub, stepId, async () =>
        (await handleOfIncident(client, incident)).executeUpdate(
          sub === 'approve' ? approveUpdate : rejectUpdate,
          {
            args: [{ stepId, actor: actor(), ...comment() }],
          },
        ),
      );
      print(s, `${sub === 'approve' ? 'approved' : 'rejected'} ${stepId}`);
      return EXIT.ok;
    }
    case 'note': {
      const incident = needId();
      const text = more.join(' ').trim();
      if (!text) throw new UsageError('incident note needs the note text');
      print(
        await audited('note', undefined, async () =>
          (await handleOfIncident(client, incident)).executeUpdate(noteUpdate, {
            args: [{ actor: actor(), text }],
          }),
        ),
        'noted',
      );
      return EXIT.ok;
    }
    case 'close': {
      const outcome = str('outcome') ?? 'resolved';
      if (outcome !== 'resolved' && outcome !== 'failed')
        throw new UsageError(`--outcome must be resolved or failed, got "${outcome}"`);
      const incident = needId();
      print(
        await audited('close', undefined, async () =>
          (await handleOfIncident(client, incident)).executeUpdate(closeUpdate, {
            args: [{ actor: actor(), outcome, ...comment() }],
          }),
        ),
        'closed',
      );
      return EXIT.ok;
    }
    case 'report': {
      const format = str('format') ?? 'md';
      if (format !== 'md' && format !== 'html')
        throw new UsageError(`--format must be md or html, got "${format}"`);
      const s = await incidentState(client, needId());
      const text = format === 'md' ? renderMarkdown(s) : renderHtml(s);
      const out = str('out');
      if (out) {
        writeFileSync(out, text);
        io.out(`report written to ${out}`);
      } else io.out(text);
      return EXIT.ok;
    }
    default:
      throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand');
  }
}

/** Runs a subcommand and maps failures to exit codes with a readable message. */
export async function runIncidentSafely(
  argv: string[],
  io: CliIO,
  deps: () => Promise<IncidentCommandDeps & { close?: () => Promise<void> }>,
): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    io.out(USAGE);
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  let d: (IncidentCommandDeps & { close?: () => Promise<void> }) | undefined;
  try {
    // Parse first so usage errors do not wait on a connection.
    parseArgs(argv.slice(1), ['as', 'comment', 'limit', 'format', 'out', 'outcome'], ['json', 'all']);
    d = await deps();
    return await runIncident(argv, io, d);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`firebreak incident: ${err.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (err instanceof WorkflowNotFoundError) {
      io.err(`firebreak incident: no such incident: ${err.workflowId}`);
      return EXIT.failed;
    }
    const why = updateRefusal(err);
    if (why) {
      io.err(`firebreak incident: refused: ${why}`);
      return EXIT.failed;
    }
    io.err(`firebreak incident: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  } finally {
    await d?.close?.();
  }
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  return runIncidentSafely(argv, io, async () => {
    const config = loadConfig(io.env);
    let people: string[] | undefined;
    try {
      people = loadOnCall(config.oncallFile).people.map((p) => p.id);
    } catch {
      people = undefined; // no on-call file: the workflow validator still checks the person
    }
    const { client, close } = await connectClient(config, io.env);
    return { client, close, ...(people ? { people } : {}) };
  });
}
