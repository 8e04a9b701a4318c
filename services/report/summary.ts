/**
 * The summary: what the incident was, how long it lasted, how fast a person responded (MTTA) and
 * how fast it was resolved (MTTR), and where to look further.
 */
import { workflowIdOfIncident } from '../../language/plan/context';
import type { ModelContext } from './context';
import { actorText, entriesOf } from './context';
import { formatDuration, msBetween } from './format';
import type { ReportLink, ReportLinks, ReportModel } from './model';
import { eventLabel } from './timeline';

/** The runbook the incident ran, masked. */
export function runbookFacts(ctx: ModelContext): ReportModel['runbook'] {
  const { mask: m, state } = ctx;
  return {
    id: m(state.runbook.id),
    title: m(state.runbook.title),
    service: m(state.runbook.service),
    file: m(state.runbook.file),
    planHash: m(state.runbook.planHash),
    planVersion: state.runbook.planVersion,
  };
}

/** When it ended, how long it took, who acknowledged it, MTTA and MTTR (each only when known). */
export function incidentTimes(
  ctx: ModelContext,
): Pick<ReportModel, 'endedAt' | 'duration' | 'acknowledged' | 'mtta' | 'mttr'> {
  const { mask: m, state } = ctx;
  const times: ReturnType<typeof incidentTimes> = {};
  if (state.endedAt) times.endedAt = m(state.endedAt);
  const durationMs = msBetween(state.startedAt, state.endedAt);
  if (durationMs !== undefined) times.duration = formatDuration(durationMs);
  if (state.acknowledged)
    times.acknowledged = `${actorText(ctx, state.acknowledged.by)} at ${m(state.acknowledged.at)}`;
  const first = firstHumanResponse(ctx);
  const mttaMs = first ? msBetween(state.startedAt, first.at) : undefined;
  if (mttaMs !== undefined && first)
    times.mtta = { value: formatDuration(mttaMs), basis: `${first.basis} at ${m(first.at)}` };
  const mttrMs = state.status === 'resolved' ? msBetween(state.startedAt, state.endedAt) : undefined;
  if (mttrMs !== undefined) times.mttr = formatDuration(mttrMs);
  return times;
}

interface HumanResponse {
  at: string;
  basis: string;
}

/** The earliest sign a person took the incident on (MTTA's end); the first listed wins a tie. */
function firstHumanResponse(ctx: ModelContext): HumanResponse | undefined {
  let first: HumanResponse | undefined;
  for (const r of humanResponses(ctx)) {
    if (!r.at || Number.isNaN(Date.parse(r.at))) continue;
    if (!first || Date.parse(r.at) < Date.parse(first.at)) first = r;
  }
  return first;
}

const HUMAN_DECISION_KINDS = ['acknowledged', 'approved', 'rejected', 'closed'] as const;

/** Acknowledgement, step decisions and human timeline decisions; the engine's own do not count. */
function humanResponses(ctx: ModelContext): HumanResponse[] {
  const { state, mask: m } = ctx;
  const responses: HumanResponse[] = [];
  if (state.acknowledged)
    responses.push({
      at: state.acknowledged.at,
      basis: `acknowledged by ${actorText(ctx, state.acknowledged.by)}`,
    });
  for (const s of state.steps ?? []) {
    const d = s.decidedBy;
    if (d && d.channel !== 'system')
      responses.push({ at: d.at, basis: `${d.decision} ${m(s.id)} by ${actorText(ctx, d)}` });
  }
  for (const e of entriesOf(state, ...HUMAN_DECISION_KINDS)) {
    if (e.actor && e.actor.channel !== 'system')
      responses.push({
        at: e.at,
        basis: `${eventLabel(e.kind).toLowerCase()} by ${actorText(ctx, e.actor)}`,
      });
  }
  return responses;
}

/** Links to the alert source, the Temporal workflow and the incident page (those configured). */
export function reportLinks(ctx: ModelContext, links: ReportLinks | undefined): ReportLink[] {
  const { state, mask: m } = ctx;
  const out: ReportLink[] = [];
  if (state.alert?.generatorURL)
    out.push({ label: 'Alert source (generatorURL)', url: m(state.alert.generatorURL) });
  if (links?.temporalUiBaseUrl) {
    const ns = links.temporalNamespace ?? 'default';
    out.push({
      label: 'Temporal workflow',
      url: m(joinUrl(links.temporalUiBaseUrl, 'namespaces', ns, 'workflows', workflowIdOfIncident(state.id))),
    });
  }
  if (links?.incidentBaseUrl) {
    out.push({ label: 'Incident page', url: m(joinUrl(links.incidentBaseUrl, state.id)) });
  }
  return out;
}

function joinUrl(base: string, ...segments: string[]): string {
  return [base.replace(/\/+$/u, ''), ...segments.map((s) => encodeURIComponent(s))].join('/');
}
