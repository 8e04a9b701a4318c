/**
 * Markdown rendering of the report model. Alert labels and command output are hostile data: every
 * text is backslash-escaped so it cannot open links, images, HTML or break a table.
 */
import type { HostRow, ReportModel, StepRow } from './model';

/** Escapes Markdown (CommonMark + GFM tables) punctuation and flattens line breaks. */
export function mdText(text: string): string {
  return text.replace(/[\\`*_[\]<>|#~&]/gu, (c) => `\\${c}`).replace(/\r?\n/gu, ' ');
}

/** An inline code span that survives backticks and pipes inside the text and stays on one line. */
export function mdCode(text: string): string {
  const flat = text.replace(/\r?\n/gu, ' ⏎ ').replace(/\|/gu, '\\|');
  if (flat === '') return '';
  const longest = Math.max(0, ...(flat.match(/`+/gu) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced block, its fence longer than any backtick run in the content. */
function mdBlock(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/gu) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map((c) => (c === '' ? ' ' : c)).join(' | ')} |`);
  return lines.join('\n');
}

function hostBlock(h: HostRow): string {
  const parts = [
    `- host ${mdCode(h.host)}: ${h.ok ? 'ok' : 'failed'}, exit ${mdText(h.exitCode)}, ${mdText(h.duration)}` +
      (h.replayed ? ' (replayed: already ran, first result reused)' : '') +
      (h.truncated ? ' (output truncated at capture)' : '') +
      (h.error ? ` — error: ${mdText(h.error)}` : ''),
  ];
  for (const [name, out] of [
    ['stdout', h.stdout],
    ['stderr', h.stderr],
  ] as const) {
    if (!out.text) continue;
    parts.push('');
    parts.push(`  ${name}${out.omitted > 0 ? ` (excerpt, ${out.omitted} more characters not shown)` : ''}:`);
    parts.push('');
    parts.push(
      mdBlock(out.text)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  return parts.join('\n');
}

function stepDetails(s: StepRow): string {
  const lines = [`### ${mdText(s.id)} — ${mdText(s.title)}`, ''];
  const facts: [string, string][] = [
    ['Phase', mdText(s.phase)],
    ['Status', mdText(s.status)],
    ['Mode', s.mode],
  ];
  if (s.action) facts.push(['Action', mdCode(s.action)]);
  if (s.target) facts.push(['Target', mdCode(s.target)]);
  if (s.command) facts.push(['Command', mdCode(s.command)]);
  if (s.condition) facts.push(['Condition', mdCode(s.condition)]);
  if (s.decision) facts.push(['Decision', mdText(s.decision)]);
  if (s.startedAt) facts.push(['Started', mdText(s.startedAt)]);
  if (s.endedAt) facts.push(['Ended', mdText(s.endedAt)]);
  if (s.duration) facts.push(['Duration', mdText(s.duration)]);
  if (s.attempts !== undefined) facts.push(['Attempts', String(s.attempts)]);
  if (s.error) facts.push(['Error', mdText(s.error)]);
  for (const [k, v] of facts) lines.push(`- ${k}: ${v}`);
  for (const h of s.hosts) lines.push(hostBlock(h));
  return lines.join('\n');
}

/** Renders the model as GitHub-flavoured Markdown (deterministic: same model → same bytes). */
export function markdownFromModel(r: ReportModel): string {
  const out: string[] = [];
  const add = (...blocks: string[]): void => void out.push(...blocks);
  const dash = (s: string | undefined): string => (s ? mdText(s) : '—');

  add(`# Post-incident report: ${mdText(r.title)}`, '');
  add(`Incident ${mdCode(r.incidentId)}, state as of ${mdText(r.generatedAt)}.`, '');

  add('## Summary', '');
  const summary: string[][] = [
    ['Incident', mdCode(r.incidentId)],
    ['Runbook', `${mdCode(r.runbook.id)} — ${mdText(r.runbook.title)} (${mdCode(r.runbook.file)})`],
    ['Plan', `version ${r.runbook.planVersion}, hash ${mdCode(r.runbook.planHash)}`],
    ['Service', mdText(r.runbook.service)],
    ['Severity', mdText(r.severity)],
    ['Final status', `**${mdText(r.status)}**`],
    ['Started', mdText(r.startedAt)],
    ['Ended', dash(r.endedAt)],
    ['Duration', dash(r.duration)],
    ['Acknowledged', dash(r.acknowledged)],
    [
      'MTTA',
      r.mtta
        ? `${mdText(r.mtta.value)} (${mdText(r.mtta.basis)})`
        : '— (no human acknowledgement or decision)',
    ],
    ['MTTR', r.mttr ? mdText(r.mttr) : '— (not resolved)'],
    [
      'Alert deliveries',
      `${r.alertCount}${r.alertResolvedAt ? `, resolved at ${mdText(r.alertResolvedAt)}` : ''}`,
    ],
    [
      'Steps',
      `${r.automatedCount} automated, ${r.humanCount} with a human decision, ${r.failed.length} failed`,
    ],
  ];
  add(table(['Field', 'Value'], summary), '');

  add('## Trigger alert', '');
  const alertRows: string[][] = [
    ['Status', mdText(r.alert.status)],
    ['Source', mdText(r.alert.source)],
    ['Fingerprint', mdCode(r.alert.fingerprint)],
    ['Starts at', mdText(r.alert.startsAt)],
  ];
  if (r.alert.endsAt) alertRows.push(['Ends at', mdText(r.alert.endsAt)]);
  if (r.alert.receiver) alertRows.push(['Receiver', mdText(r.alert.receiver)]);
  if (r.alert.groupKey) alertRows.push(['Group key', mdCode(r.alert.groupKey)]);
  add(table(['Field', 'Value'], alertRows), '');
  add('### Labels', '');
  add(
    r.alert.labels.length
      ? table(
          ['Label', 'Value'],
          r.alert.labels.map(([k, v]) => [mdCode(k), mdText(v)]),
        )
      : 'None.',
    '',
  );
  if (r.alert.annotations.length) {
    add('### Annotations', '');
    add(
      table(
        ['Annotation', 'Value'],
        r.alert.annotations.map(([k, v]) => [mdCode(k), mdText(v)]),
      ),
      '',
    );
  }
  add('### Links', '');
  // Links are shown as code, not Markdown links: a hostile generatorURL must not become clickable markup.
  add(r.links.length ? r.links.map((l) => `- ${mdText(l.label)}: ${mdCode(l.url)}`).join('\n') : 'None.', '');
  if (r.alertDeliveries.length) {
    add('### Deliveries', '');
    add(
      r.alertDeliveries.map((d) => `- ${mdText(d.at)} — ${mdText(d.event)}: ${mdText(d.message)}`).join('\n'),
      '',
    );
  }

  add('## Timeline', '');
  add(
    table(
      ['#', 'Time (UTC)', 'Offset', 'Event', 'Actor', 'Step', 'Details'],
      r.timeline.map((t) => [
        String(t.n),
        mdText(t.at),
        mdText(t.offset),
        mdText(t.event),
        mdText(t.actor),
        t.step ? mdCode(t.step) : '',
        [mdText(t.message), ...t.details.map(mdText)].join('<br>'),
      ]),
    ),
    '',
  );

  add('## Steps', '');
  add('### Automated vs human', '');
  add(
    r.steps.length
      ? table(
          ['Step', 'Phase', 'Title', 'Mode', 'Status', 'Decision', 'Duration'],
          r.steps.map((s) => [
            mdCode(s.id),
            mdText(s.phase),
            mdText(s.title),
            s.mode,
            mdText(s.status),
            s.decision ? mdText(s.decision) : '',
            s.duration ? mdText(s.duration) : '',
          ]),
        )
      : 'No steps ran.',
    '',
  );
  for (const s of r.steps) add(stepDetails(s), '');

  add('## Notifications', '');
  add(
    r.notifications.length
      ? table(
          ['Time (UTC)', 'Kind', 'To', 'Email', 'Result'],
          r.notifications.map((n) => [
            mdText(n.at),
            mdText(n.kind),
            mdText(n.to),
            mdText(n.email),
            n.ok ? 'delivered' : `failed${n.error ? `: ${mdText(n.error)}` : ''}`,
          ]),
        )
      : 'None recorded.',
    '',
  );

  add('## Escalations', '');
  add(
    r.escalations.length
      ? table(
          ['Time (UTC)', 'Level', 'Name', 'Paged', 'Message'],
          r.escalations.map((e) => [
            mdText(e.at),
            mdText(e.level),
            mdText(e.levelName),
            mdText(e.people),
            mdText(e.message),
          ]),
        )
      : 'None.',
    '',
  );

  add('## Failed steps', '');
  add(
    r.failed.length
      ? r.failed
          .map(
            (s) =>
              `- ${mdCode(s.id)} (${mdText(s.phase)}) ${mdText(s.title)}${s.error ? `: ${mdText(s.error)}` : ''}`,
          )
          .join('\n')
      : 'None.',
    '',
  );

  add('## Follow-up items', '');
  add(r.followUps.length ? r.followUps.map((f) => `- [ ] ${mdText(f)}`).join('\n') : 'None.', '');
  return out.join('\n');
}
