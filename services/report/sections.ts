/**
 * The report's sections, each written once: what it shows and in which columns, built from the
 * model. layout.ts says what a section can contain; markdown.ts and html.ts draw it.
 */
import type { Block, Column, Field, Mark, Output, ReportLayout, Section } from './layout';
import { code, table } from './layout';
import type { DeliveryRow, EscalationRow, HostRow, ReportModel, StepRow, TimelineRow } from './model';

/** The report's layout: title, intro line and every section, in reading order. */
export function reportLayout(r: ReportModel): ReportLayout {
  return {
    title: ['Post-incident report: ', r.title],
    intro: ['Incident ', code(r.incidentId), ', state as of ', r.generatedAt, '.'],
    sections: [
      { id: 'summary', title: 'Summary', blocks: [summaryFields(r)] },
      { id: 'alert', title: 'Trigger alert', blocks: alertBlocks(r) },
      timelineSection(r),
      stepsSection(r),
      {
        id: 'notifications',
        title: 'Notifications',
        blocks: [
          table('notifications-table', NOTIFICATION_COLUMNS, r.notifications, { empty: 'None recorded.' }),
        ],
      },
      {
        id: 'escalations',
        title: 'Escalations',
        blocks: [table('escalations-table', ESCALATION_COLUMNS, r.escalations, { empty: 'None.' })],
      },
      { id: 'failed', title: 'Failed steps', blocks: [failedSteps(r)] },
      {
        id: 'follow-ups',
        title: 'Follow-up items',
        blocks: [{ kind: 'list', id: 'follow-up-list', checklist: true, items: r.followUps, empty: 'None.' }],
      },
    ],
  };
}

/** `—` for what is not known (yet). */
function orDash(text: string | undefined): string {
  return text ? text : '—';
}

function summaryFields(r: ReportModel): Block {
  const fields: Field[] = [
    ['Incident', code(r.incidentId)],
    ['Runbook', [code(r.runbook.id), ' — ', r.runbook.title, ' (', code(r.runbook.file), ')']],
    ['Plan', [`version ${r.runbook.planVersion}, hash `, code(r.runbook.planHash)]],
    ['Service', r.runbook.service],
    ['Severity', { kind: 'emphasis', text: r.severity }],
    ['Final status', { kind: 'status', status: r.status, headline: true }],
    ['Started', r.startedAt],
    ['Ended', orDash(r.endedAt)],
    ['Duration', orDash(r.duration)],
    ['Acknowledged', orDash(r.acknowledged)],
    [
      'MTTA',
      r.mtta
        ? [r.mtta.value, ' ', { kind: 'aside', text: ['(', r.mtta.basis, ')'] }]
        : '— (no human acknowledgement or decision)',
    ],
    ['MTTR', r.mttr ? r.mttr : '— (not resolved)'],
    [
      'Alert deliveries',
      [String(r.alertCount), ...(r.alertResolvedAt ? [', resolved at ', r.alertResolvedAt] : [])],
    ],
    [
      'Steps',
      `${r.automatedCount} automated, ${r.humanCount} with a human decision, ${r.failed.length} failed`,
    ],
  ];
  return { kind: 'fields', id: 'summary-table', style: 'table', fields };
}

/** Label and annotation tables: the name as code, the value as text. */
function pairColumns(name: string): readonly Column<readonly [string, string]>[] {
  return [
    { title: name, cell: ([k]) => code(k) },
    { title: 'Value', cell: ([, v]) => v },
  ];
}

function alertBlocks(r: ReportModel): Block[] {
  const a = r.alert;
  const fields: Field[] = [
    ['Status', a.status],
    ['Source', a.source],
    ['Fingerprint', code(a.fingerprint)],
    ['Starts at', a.startsAt],
  ];
  if (a.endsAt) fields.push(['Ends at', a.endsAt]);
  if (a.receiver) fields.push(['Receiver', a.receiver]);
  if (a.groupKey) fields.push(['Group key', code(a.groupKey)]);
  const blocks: Block[] = [
    { kind: 'fields', id: 'alert-table', style: 'table', fields },
    {
      kind: 'subsection',
      title: 'Labels',
      blocks: [table('labels-table', pairColumns('Label'), a.labels, { empty: 'None.' })],
    },
  ];
  if (a.annotations.length) {
    blocks.push({
      kind: 'subsection',
      title: 'Annotations',
      blocks: [table('annotations-table', pairColumns('Annotation'), a.annotations)],
    });
  }
  const links = r.links.map((l): Mark => ({ kind: 'link', label: l.label, url: l.url }));
  blocks.push({
    kind: 'subsection',
    title: 'Links',
    blocks: [{ kind: 'list', id: 'links', items: links, empty: 'None.' }],
  });
  if (r.alertDeliveries.length) {
    const items = r.alertDeliveries.map((d) => [d.at, ' — ', d.event, ': ', d.message]);
    blocks.push({
      kind: 'subsection',
      title: 'Deliveries',
      blocks: [{ kind: 'list', items, empty: 'None.' }],
    });
  }
  return blocks;
}

const TIMELINE_COLUMNS: readonly Column<TimelineRow>[] = [
  { title: '#', cell: (t) => String(t.n) },
  { title: 'Time (UTC)', cell: (t) => ({ kind: 'time', at: t.at }) },
  { title: 'Offset', cell: (t) => t.offset },
  { title: 'Event', cell: (t) => t.event },
  { title: 'Actor', cell: (t) => t.actor },
  { title: 'Step', cell: (t) => code(t.step) },
  { title: 'Details', cell: (t) => ({ kind: 'lines', first: t.message, more: t.details }) },
];

function timelineSection(r: ReportModel): Section {
  const rows = table('timeline-table', TIMELINE_COLUMNS, r.timeline, { rowKind: (t) => t.kind });
  return { id: 'timeline', title: 'Timeline', blocks: [rows] };
}

/** What both the steps table and each step's card show, described once. */
const STEP_FACTS = {
  phase: { title: 'Phase', cell: (s) => s.phase },
  mode: { title: 'Mode', cell: (s) => s.mode },
  status: { title: 'Status', cell: (s) => ({ kind: 'status', status: s.status }) },
  decision: { title: 'Decision', cell: (s) => s.decision ?? '' },
  duration: { title: 'Duration', cell: (s) => s.duration ?? '' },
} satisfies Record<string, Column<StepRow>>;

/** Automated vs human: one row per step. */
const STEP_COLUMNS: readonly Column<StepRow>[] = [
  { title: 'Step', cell: (s) => code(s.id) },
  STEP_FACTS.phase,
  { title: 'Title', cell: (s) => s.title },
  STEP_FACTS.mode,
  STEP_FACTS.status,
  STEP_FACTS.decision,
  STEP_FACTS.duration,
];

function stepsSection(r: ReportModel): Section {
  const modes = table('steps-table', STEP_COLUMNS, r.steps, { empty: 'No steps ran.' });
  return {
    id: 'steps',
    title: 'Steps',
    blocks: [{ kind: 'subsection', title: 'Automated vs human', blocks: [modes] }, ...r.steps.map(stepCard)],
  };
}

/** A step's facts (those it has) and each host's result. */
function stepCard(s: StepRow): Block {
  const fact = (c: Column<StepRow>): Field => [c.title, c.cell(s)];
  const fields = [fact(STEP_FACTS.phase), fact(STEP_FACTS.status), fact(STEP_FACTS.mode)];
  if (s.action) fields.push(['Action', code(s.action)]);
  if (s.target) fields.push(['Target', code(s.target)]);
  if (s.command) fields.push(['Command', code(s.command)]);
  if (s.condition) fields.push(['Condition', code(s.condition)]);
  if (s.decision) fields.push(fact(STEP_FACTS.decision));
  if (s.startedAt) fields.push(['Started', s.startedAt]);
  if (s.endedAt) fields.push(['Ended', s.endedAt]);
  if (s.duration) fields.push(fact(STEP_FACTS.duration));
  if (s.attempts !== undefined) fields.push(['Attempts', String(s.attempts)]);
  if (s.error) fields.push(['Error', s.error]);
  return {
    kind: 'card',
    step: s.id,
    title: [s.id, ' — ', s.title],
    blocks: [{ kind: 'fields', style: 'bullets', fields }, ...s.hosts.map(hostExcerpt)],
  };
}

/** How the command went on the host, and its output. */
function hostExcerpt(h: HostRow): Block {
  const facts: (string | Mark)[] = ['exit ', h.exitCode, ', ', h.duration];
  if (h.replayed) facts.push(' ', { kind: 'aside', text: '(replayed: already ran, first result reused)' });
  if (h.truncated) facts.push(' ', { kind: 'aside', text: '(output truncated at capture)' });
  if (h.error) facts.push(' — error: ', h.error);
  const outputs: Output[] = [];
  for (const name of ['stdout', 'stderr'] as const) {
    const { text, omitted } = h[name];
    const label = omitted > 0 ? `${name} (excerpt, ${omitted} more characters not shown)` : name;
    if (text) outputs.push({ label, text });
  }
  return {
    kind: 'excerpt',
    what: 'host',
    name: h.host,
    outcome: { kind: 'outcome', ok: h.ok, label: h.ok ? 'ok' : 'failed' },
    facts,
    outputs,
  };
}

const NOTIFICATION_COLUMNS: readonly Column<DeliveryRow>[] = [
  { title: 'Time (UTC)', cell: (n) => n.at },
  { title: 'Kind', cell: (n) => n.kind },
  { title: 'To', cell: (n) => n.to },
  { title: 'Email', cell: (n) => n.email },
  {
    title: 'Result',
    cell: (n) => ({ kind: 'outcome', ok: n.ok, label: n.ok ? 'delivered' : 'failed', detail: n.error }),
  },
];

const ESCALATION_COLUMNS: readonly Column<EscalationRow>[] = [
  { title: 'Time (UTC)', cell: (e) => e.at },
  { title: 'Level', cell: (e) => e.level },
  { title: 'Name', cell: (e) => e.levelName },
  { title: 'Paged', cell: (e) => e.people },
  { title: 'Message', cell: (e) => e.message },
];

function failedSteps(r: ReportModel): Block {
  const items = r.failed.map((s) => [
    code(s.id),
    ' (',
    s.phase,
    ') ',
    s.title,
    ...(s.error ? [': ', s.error] : []),
  ]);
  return { kind: 'list', items, empty: 'None.' };
}
