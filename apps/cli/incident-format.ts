/** How `firebreak incident list|show` lays an incident out as text. */
import type { IncidentState } from '../../contracts/incident';

/** Rows as aligned columns (the last column is not padded). */
export function pad(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

/** `iso` as a rough age: `42s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** `firebreak incident show`: state, pending approvals, steps and timeline. */
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
