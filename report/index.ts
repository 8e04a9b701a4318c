/**
 * Post-incident report rendering (pure: no I/O, no clock). The activity in activities/report.ts
 * writes and mails what these functions return; the CLI's `incident report <id>` calls
 * {@link renderReports} on a queried state.
 */
import type { IncidentState } from '../incident/types';
import { htmlFromModel } from './html';
import { markdownFromModel } from './markdown';
import type { ReportOptions } from './model';
import { buildReportModel } from './model';
import type { Masker } from './mask';
import { combineMaskers, createMasker } from './mask';

export type { ReportLinks, ReportModel, ReportOptions } from './model';
export { buildReportModel } from './model';
export type { Masker } from './mask';
export { MASK, combineMaskers, createMasker, identityMasker } from './mask';
export { formatDuration } from './format';

/**
 * The final pass over a rendered document: a secret that slipped into a field the model did not
 * know about is still masked, because the document as a whole goes through the masker.
 */
function finalMask(opts: ReportOptions): Masker {
  return combineMaskers(opts.masker, createMasker(opts.secrets ?? []));
}

/** The report as Markdown. Same state and options → same bytes. */
export function renderMarkdown(state: IncidentState, opts: ReportOptions = {}): string {
  return finalMask(opts)(markdownFromModel(buildReportModel(state, opts)));
}

/** The report as one self-contained HTML document. Same state and options → same bytes. */
export function renderHtml(state: IncidentState, opts: ReportOptions = {}): string {
  return finalMask(opts)(htmlFromModel(buildReportModel(state, opts)));
}

/** Both renderings from one model. */
export function renderReports(
  state: IncidentState,
  opts: ReportOptions = {},
): { markdown: string; html: string } {
  const model = buildReportModel(state, opts);
  const mask = finalMask(opts);
  return { markdown: mask(markdownFromModel(model)), html: mask(htmlFromModel(model)) };
}
