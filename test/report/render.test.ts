import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { IncidentState } from '../../contracts/incident';
import {
  createMasker,
  formatDuration,
  renderHtml,
  renderMarkdown,
  renderReports,
} from '../../services/report';
import type { ReportOptions } from '../../services/report';
import { SECRET, scriptedIncident } from './fixtures/incident-state';

const GOLDEN = join(__dirname, 'fixtures', 'incident.md');
const OPTS: ReportOptions = {
  secrets: [SECRET],
  links: { incidentBaseUrl: 'http://127.0.0.1:8080/incidents', temporalUiBaseUrl: 'http://127.0.0.1:8233' },
};

/** The rows of the Markdown table under a `## <title>` heading, split into cells. */
function tableRows(markdown: string, title: string): string[][] {
  const start = markdown.indexOf(`\n## ${title}\n`);
  expect(start).toBeGreaterThan(-1);
  const rest = markdown.slice(start + title.length + 5);
  const end = rest.indexOf('\n## ');
  const section = end === -1 ? rest : rest.slice(0, end);
  const lines = section.split('\n');
  // Table rows, minus each table's header (the line right above its `|---|` separator).
  return lines
    .filter((l, i) => l.startsWith('| ') && !lines[i + 1]?.startsWith('|---'))
    .map((l) =>
      l
        .slice(2, -2)
        .split(/(?<!\\)\|/u)
        .map((c) => c.trim()),
    );
}

describe('report rendering', () => {
  it('renders the scripted incident to the committed golden Markdown', () => {
    const markdown = renderMarkdown(scriptedIncident(), OPTS);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, markdown);
    expect(markdown).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('has every section, in order', () => {
    const markdown = renderMarkdown(scriptedIncident(), OPTS);
    const headings = markdown.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual([
      '## Summary',
      '## Trigger alert',
      '## Timeline',
      '## Steps',
      '## Notifications',
      '## Escalations',
      '## Failed steps',
      '## Follow-up items',
    ]);
  });

  it('lists every timeline entry in order with its exact timestamp and event', () => {
    const state = scriptedIncident();
    const rows = tableRows(renderMarkdown(state, OPTS), 'Timeline');
    expect(rows).toHaveLength(state.timeline.length);
    rows.forEach((cells, i) => {
      const entry = state.timeline[i];
      expect(cells[0]).toBe(String(i + 1));
      expect(cells[1]).toBe(entry?.at);
    });
    expect(rows.map((r) => r[3])).toEqual(
      expect.arrayContaining([
        'Alert received',
        'Approved',
        'Escalated',
        'Step finished',
        'Notification failed',
      ]),
    );
  });

  it('reports the diagnostics with command, host, exit code, duration and output excerpt', () => {
    const rows = tableRows(renderMarkdown(scriptedIncident(), OPTS), 'Timeline');
    const started = rows.find((r) => r[3] === 'Step started' && r[5]?.includes('diag-connections'));
    expect(started?.[6]).toContain('psql -h 127.0.0.1 -U qcat');
    const finished = rows.find((r) => r[3] === 'Step finished' && r[5]?.includes('diag-connections'));
    expect(finished?.[6]).toContain('127.0.0.1:22: exit 0, 1.2 s');
    expect(finished?.[6]).toContain('active\\|41');
  });

  it('reports the approval with who, channel, when and comment', () => {
    const markdown = renderMarkdown(scriptedIncident(), OPTS);
    const steps = tableRows(markdown, 'Steps');
    const remediation = steps.find((r) => r[0]?.includes('remediate-terminate') && r[1] === 'remediation');
    expect(remediation?.[3]).toBe('human');
    expect(remediation?.[5]).toBe(
      'approved by Li Wei (li.wei) via email at 2026-03-14T02:27:41.000Z — “Both pids are the stuck batch job; OK to kill.”',
    );
  });

  it('computes MTTA from the first human decision and MTTR from the end', () => {
    const summary = Object.fromEntries(
      tableRows(renderMarkdown(scriptedIncident(), OPTS), 'Summary').map((r) => [r[0], r[1]]),
    );
    // 02:10:03.120 → approval at 02:27:41.000; end at 02:31:15.000.
    expect(summary.MTTA).toBe(
      '17m 38s (approved remediate-terminate by Li Wei (li.wei) via email at 2026-03-14T02:27:41.000Z)',
    );
    expect(summary.MTTR).toBe('21m 12s');
    expect(summary['Final status']).toBe('**resolved**');
    expect(summary.Plan).toContain('version 1, hash `9b1c3e7f');
  });

  it('lists escalations by level with the people paged, and notification outcomes per person', () => {
    const markdown = renderMarkdown(scriptedIncident(), OPTS);
    expect(tableRows(markdown, 'Escalations')).toEqual([
      [
        '2026-03-14T02:25:03.120Z',
        '2',
        'dba',
        'Li Wei (li.wei), Zhao Min (zhao.min)',
        'paged dba (level 2): not acknowledged within 15 min',
      ],
    ]);
    const notes = tableRows(markdown, 'Notifications');
    expect(notes.map((r) => [r[1], r[2], r[4]?.slice(0, 9)])).toEqual([
      ['opened', 'Wang Fang (wang.fang)', 'delivered'],
      ['approval\\_needed', 'Li Wei (li.wei)', 'delivered'],
      ['approval\\_needed', 'Wang Fang (wang.fang)', 'delivered'],
      ['escalated', 'Li Wei (li.wei)', 'delivered'],
      ['escalated', 'Zhao Min (zhao.min)', 'failed: e'],
      ['resolved', 'Wang Fang (wang.fang)', 'delivered'],
    ]);
  });

  it('lists follow-up items for the skipped step, the failed page, the manual action and the escalation', () => {
    const markdown = renderMarkdown(scriptedIncident(), OPTS);
    const followUps = markdown
      .slice(markdown.indexOf('## Follow-up items'))
      .split('\n')
      .filter((l) => l.startsWith('- [ ] '));
    expect(followUps).toHaveLength(4);
    expect(followUps[0]).toContain('diag-redis');
    expect(followUps.join('\n')).toContain('Manual action noted by Li Wei');
    expect(followUps.join('\n')).toContain('escalated up to level 2 (dba) (1 page(s) after the opening one)');
    expect(followUps.join('\n')).toContain('Zhao Min');
  });

  it('lists failed verify, rejected and expired steps as follow-ups and gives no MTTR when not resolved', () => {
    const state = scriptedIncident();
    const verify = state.steps[4];
    const remediation = state.steps[3];
    if (!verify || !remediation) throw new Error('fixture changed');
    verify.status = 'failed';
    verify.error = 'count 96 is not below 80';
    state.steps.push({ ...remediation, id: 'restart-app', status: 'rejected', hosts: [] });
    state.steps.push({
      ...remediation,
      id: 'flush-redis',
      status: 'expired',
      hosts: [],
      decidedBy: undefined,
    });
    state.status = 'failed';
    const markdown = renderMarkdown(state, OPTS);
    const summary = Object.fromEntries(tableRows(markdown, 'Summary').map((r) => [r[0], r[1]]));
    expect(summary.MTTR).toBe('— (not resolved)');
    expect(markdown).toContain(
      '- [ ] Verify remediate-terminate.verify-1 (Connections back under 80%) failed',
    );
    expect(markdown).toContain('- [ ] Remediation restart-app');
    expect(markdown).toContain('- [ ] The approval for flush-redis');
    expect(markdown).toContain('ended with status failed');
    expect(tableRows(markdown, 'Failed steps')).toEqual([]);
    expect(markdown).toContain(
      '- `remediate-terminate.verify-1` (verify) Connections back under 80%: count 96 is not below 80',
    );
  });

  it('renders the same state to the same bytes', () => {
    const a = renderReports(scriptedIncident(), OPTS);
    const b = renderReports(JSON.parse(JSON.stringify(scriptedIncident())) as IncidentState, OPTS);
    expect(b.markdown).toBe(a.markdown);
    expect(b.html).toBe(a.html);
    expect(renderHtml(scriptedIncident(), OPTS)).toBe(a.html);
  });

  it('never shows the secret value, in any encoding, in Markdown or HTML', () => {
    const { markdown, html } = renderReports(scriptedIncident(), OPTS);
    for (const doc of [markdown, html]) {
      expect(doc).not.toContain(SECRET);
      expect(doc).not.toContain(encodeURIComponent(SECRET));
      expect(doc).not.toContain(Buffer.from(SECRET).toString('base64'));
      expect(doc).not.toContain('S3cr3t');
      expect(doc).toContain('postgres://qcat:***@127.0.0.1:5432/qcat');
    }
  });

  it('masks with a caller-supplied masker too', () => {
    const markdown = renderMarkdown(scriptedIncident(), { masker: createMasker([SECRET]) });
    expect(markdown).not.toContain(SECRET);
    // Markdown escapes the mask's asterisks so they are not read as emphasis.
    expect(markdown).toContain('qcat:\\*\\*\\*@db');
  });

  it('masks a short secret in the text without breaking the HTML markup', () => {
    const state = scriptedIncident();
    state.alert.labels.token = 'tbody';
    const html = renderHtml(state, { secrets: ['tbody'] });
    expect(html).toContain('<tbody>');
    expect(html).toContain('<td><code>token</code></td><td>***</td>');
  });

  it('masks the JSON-escaped, URL-encoded and base64 forms of a secret, and ignores values under 3 characters', () => {
    const secret = 'pa"ss/wo rd+1';
    const mask = createMasker([secret, 'x']);
    const text = [
      secret,
      JSON.stringify(secret),
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
      'x',
    ].join(' ');
    expect(mask(text)).toBe('*** "***" *** *** x');
  });

  it('escapes hostile alert labels in HTML and Markdown', () => {
    const { markdown, html } = renderReports(scriptedIncident(), OPTS);
    expect(html).not.toMatch(/<script/iu);
    expect(html).not.toMatch(/<img/iu);
    expect(html).not.toMatch(/href="javascript/iu);
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toMatch(/(?<!\\)\]\(javascript:/u);
    expect(markdown).toContain('\\[click\\](javascript:alert(1))');
    expect(markdown).toContain('\\<img src=x onerror=alert(1)\\>');
    // The pipe in the annotation must not split its table row.
    const annotations = tableRows(markdown, 'Trigger alert').filter((r) => r[0] === '`summary`');
    expect(annotations).toHaveLength(1);
    expect(annotations[0]).toHaveLength(2);
  });

  it('links the alert source, the Temporal workflow and the incident page', () => {
    const html = renderHtml(scriptedIncident(), OPTS);
    expect(html).toContain(
      'href="http://127.0.0.1:8233/namespaces/default/workflows/incident-pg-connections-exhausted-3f2a9c1d0b7e4a55"',
    );
    expect(html).toContain(
      'href="http://127.0.0.1:8080/incidents/incident-pg-connections-exhausted-3f2a9c1d0b7e4a55"',
    );
    expect(html).toContain(
      'href="http://127.0.0.1:9090/graph?g0.expr=pg_stat_activity_count+%3E+90&#38;g0.tab=1"',
    );
  });

  it('does not link a generatorURL that is not http(s)', () => {
    const state = scriptedIncident();
    state.alert.generatorURL = 'javascript:alert(document.domain)';
    const html = renderHtml(state, OPTS);
    expect(html).not.toMatch(/href="javascript/iu);
    expect(html).toContain('not an http(s) link');
  });

  it('keeps output excerpts bounded and says how much was left out', () => {
    const state = scriptedIncident();
    const host = state.steps[0]?.hosts[0];
    if (!host) throw new Error('fixture changed');
    host.stdout = Array.from({ length: 500 }, (_, i) => `row ${i} ${SECRET}`).join('\n');
    const markdown = renderMarkdown(state, { ...OPTS, excerptChars: 300 });
    expect(markdown).toMatch(/stdout \(excerpt, \d+ more characters not shown\)/u);
    expect(markdown).not.toContain('row 400');
    expect(markdown).not.toContain('S3cr');
  });

  it('refuses a state without an id as a non-retryable failure', () => {
    const state = { ...scriptedIncident(), id: '' };
    let caught: unknown;
    try {
      renderMarkdown(state);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ApplicationFailure);
    expect((caught as ApplicationFailure).nonRetryable).toBe(true);
    expect((caught as ApplicationFailure).type).toBe('InvalidReportState');
  });

  it('formats durations without locale', () => {
    expect([850, 1180, 59_940, 61_000, 3_723_000, 93_784_000].map(formatDuration)).toEqual([
      '850 ms',
      '1.2 s',
      '59.9 s',
      '1m 01s',
      '1h 02m 03s',
      '1d 02h 03m',
    ]);
  });
});
