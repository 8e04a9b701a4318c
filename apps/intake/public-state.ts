/**
 * An incident's state as the API hands it out: the report as URLs any intake serves (rendered on
 * demand from the state), never a path on the disk of the worker that wrote its copy.
 */
import type { IncidentState } from '../../contracts/incident';

/** Where any intake renders an incident's report. */
export interface ReportUrls {
  markdownUrl: string;
  htmlUrl: string;
}

/** {@link IncidentState} without worker-local paths. */
export type PublicIncidentState = Omit<IncidentState, 'report'> & { report: ReportUrls };

/** The report URLs of incident `id` under the intake's public URL. */
export function reportUrls(publicUrl: string, id: string): ReportUrls {
  const base = `${publicUrl.replace(/\/+$/u, '')}/v1/incidents/${encodeURIComponent(id)}/report`;
  return { markdownUrl: `${base}?format=md`, htmlUrl: `${base}?format=html` };
}

export function publicState(s: IncidentState, publicUrl: string): PublicIncidentState {
  const { report: _paths, ...rest } = s;
  return {
    ...rest,
    // Incidents recorded before reports were served named the worker's file in this line.
    timeline: s.timeline.map((e) =>
      e.kind === 'report_written'
        ? { ...e, message: e.message.replace(/^report written to \S+/u, 'report written') }
        : e,
    ),
    report: reportUrls(publicUrl, s.id),
  };
}
