/**
 * Post-incident report rendering (pure: no I/O, no clock). The activity in activities/report.ts
 * writes and mails what these functions return; the CLI's `incident report <id>` calls
 * {@link renderReports} on a queried state.
 *
 * State → model (model.ts, built by one module per concept: summary, alert, timeline, steps,
 * approvals, notifications, escalations, follow-ups) → layout (sections.ts: every section and
 * table column described once) → drawn by markdown.ts and html.ts, which know only block kinds.
 */
import type { IncidentState } from '../../contracts/incident';
import { htmlFromLayout } from './html';
import { markdownFromLayout } from './markdown';
import type { ReportOptions } from './model';
import { buildReportModel } from './model';
import type { ReportLayout } from './layout';
import { reportLayout } from './sections';
import type { Masker } from './mask';
import { combineMaskers, createMasker } from './mask';

export type { ReportLinks, ReportModel, ReportOptions } from './model';
export { buildReportModel } from './model';
export type { ReportLayout } from './layout';
export { reportLayout } from './sections';
export type { Masker } from './mask';
export { MASK, MIN_MASKED_LENGTH, combineMaskers, createMasker, identityMasker } from './mask';
export { formatDuration } from './format';

/**
 * The final pass over a rendered document: a secret that slipped into a field the model did not
 * know about is still masked, because the document as a whole goes through the masker. HTML gets
 * only long secret values here: a short one (`td`, `div`) could match markup, and every text in
 * the HTML was already masked field by field before escaping.
 */
function finalMask(opts: ReportOptions, format: 'markdown' | 'html'): Masker {
  if (format === 'html') return createMasker(opts.secrets ?? [], { minLength: HTML_FINAL_PASS_MIN_LENGTH });
  return combineMaskers(opts.masker, createMasker(opts.secrets ?? []));
}

const HTML_FINAL_PASS_MIN_LENGTH = 8;

/** The report as Markdown. Same state and options → same bytes. */
export function renderMarkdown(state: IncidentState, opts: ReportOptions = {}): string {
  return finalMask(opts, 'markdown')(markdownFromLayout(layoutOf(state, opts)));
}

/** The report as one self-contained HTML document. Same state and options → same bytes. */
export function renderHtml(state: IncidentState, opts: ReportOptions = {}): string {
  return finalMask(opts, 'html')(htmlFromLayout(layoutOf(state, opts)));
}

/** Both renderings from one model and one layout. */
export function renderReports(
  state: IncidentState,
  opts: ReportOptions = {},
): { markdown: string; html: string } {
  const layout = layoutOf(state, opts);
  return {
    markdown: finalMask(opts, 'markdown')(markdownFromLayout(layout)),
    html: finalMask(opts, 'html')(htmlFromLayout(layout)),
  };
}

function layoutOf(state: IncidentState, opts: ReportOptions): ReportLayout {
  return reportLayout(buildReportModel(state, opts));
}
