import { buildReportModel, renderReports, reportLayout } from '../../services/report';
import type { ReportLayout, ReportOptions } from '../../services/report';
import { everyKindIncident } from './fixtures/every-kind';
import { SECRET } from './fixtures/incident-state';

const OPTS: ReportOptions = {
  secrets: [SECRET],
  links: { incidentBaseUrl: 'http://127.0.0.1:8080/incidents' },
};

type Block = ReportLayout['sections'][number]['blocks'][number];

/** Every table of the layout with its row count, however deep. */
function tables(blocks: readonly Block[]): [string, number][] {
  return blocks.flatMap((b): [string, number][] => {
    if (b.kind === 'table') return b.rows.length > 0 || b.empty === undefined ? [[b.id, b.rows.length]] : [];
    if (b.kind === 'subsection' || b.kind === 'card') return tables(b.blocks);
    return [];
  });
}

describe('report layout', () => {
  const state = everyKindIncident();
  const layout = reportLayout(buildReportModel(state, OPTS));
  const { markdown, html } = renderReports(state, OPTS);

  it('has each section once, and both renderings draw all of them in its order', () => {
    const titles = layout.sections.map((s) => s.title);
    expect(new Set(titles).size).toBe(titles.length);
    expect(markdown.split('\n').filter((l) => l.startsWith('## '))).toEqual(titles.map((t) => `## ${t}`));
    expect([...html.matchAll(/<section id="([^"]+)">/gu)].map((m) => m[1])).toEqual(
      layout.sections.map((s) => s.id),
    );
  });

  it('draws every row of every table in the HTML, one timeline row per entry', () => {
    const all = layout.sections.flatMap((s) => tables(s.blocks));
    expect(all.map(([id]) => id)).toEqual(
      expect.arrayContaining(['timeline-table', 'steps-table', 'notifications-table', 'escalations-table']),
    );
    for (const [id, rows] of all) {
      const start = html.indexOf(`<table id="${id}"`);
      const drawn = html.slice(start, html.indexOf('</table>', start)).match(/<tr[ >]/gu) ?? [];
      expect({ id, rows: drawn.length - 1 }).toEqual({ id, rows });
    }
    expect(all.find(([id]) => id === 'timeline-table')?.[1]).toBe(state.timeline.length);
  });
});
