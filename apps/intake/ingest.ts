/**
 * Alerts → incidents. A webhook's alerts arrive here validated and parsed, all of them; each is
 * counted and matched against the runbook library before any (runbook, alert) pair is dispatched,
 * so nothing is half-started on a bad payload.
 */
import type { AlertInstance } from '../../contracts/alert';
import type { Plan } from '../../contracts/plan';
import type { Dispatcher, DispatchResult } from './dispatch';
import type { IntakeMetrics } from './metrics';

/** Which runbooks an alert triggers (the runbook library, or a fixed list in tests). */
export interface IntakeLibrary {
  match(alert: AlertInstance): Plan[];
  /** The catch-all runbook for an alert `match` found nothing for, when one is configured and takes it. */
  catchAll?(alert: AlertInstance): Plan | undefined;
}

/** An alert no runbook triggers on, as the webhook answers it. */
export interface UnmatchedAlert {
  fingerprint: string;
  alertname?: string;
  status: string;
  /** The catch-all runbook that took it instead. */
  caughtBy?: string;
}

/** The body of a webhook's 202. */
export interface IngestResult {
  incidents: DispatchResult[];
  unmatched: UnmatchedAlert[];
}

/** Delivers one webhook's alerts, received at `receivedAt` (ISO) = `receivedMs` (epoch ms). */
export type Ingest = (
  source: AlertInstance['source'],
  alerts: AlertInstance[],
  receivedAt: string,
  receivedMs: number,
) => Promise<IngestResult>;

export interface IngestDeps {
  dispatcher: Dispatcher;
  /** Called per webhook: the engine may swap in a reloaded library meanwhile. */
  library: () => IntakeLibrary;
  metrics: IntakeMetrics;
  /** Told of every alert no runbook matched (logged and listed by unmatched.ts). */
  onUnmatched?: (alert: AlertInstance, receivedAt: string, caughtBy?: string) => void;
}

type Work = { plan: Plan; alert: AlertInstance }[];

function match(
  deps: IngestDeps,
  source: AlertInstance['source'],
  alerts: AlertInstance[],
  receivedAt: string,
) {
  const { metrics } = deps;
  const work: Work = [];
  const unmatched: UnmatchedAlert[] = [];
  const lib = deps.library();
  for (const alert of alerts) {
    metrics.alertsReceived.inc({ source, status: alert.status });
    let plans = lib.match(alert);
    if (plans.length === 0) {
      if (alert.status === 'firing') metrics.alertsUnmatched.inc({ source });
      const caught = lib.catchAll?.(alert);
      const caughtBy = caught?.runbook.id;
      deps.onUnmatched?.(alert, receivedAt, caughtBy);
      unmatched.push({
        fingerprint: alert.fingerprint,
        ...(alert.labels.alertname ? { alertname: alert.labels.alertname } : {}),
        status: alert.status,
        ...(caughtBy ? { caughtBy } : {}),
      });
      if (caught) plans = [caught];
    }
    for (const plan of plans) work.push({ plan, alert });
  }
  return { work, unmatched };
}

export function createIngest(deps: IngestDeps): Ingest {
  const { dispatcher, metrics } = deps;
  return async (source, alerts, receivedAt, receivedMs) => {
    const { work, unmatched } = match(deps, source, alerts, receivedAt);
    const incidents = await Promise.all(
      work.map(async ({ plan, alert }) => {
        const r = await dispatcher.deliver(plan, alert, receivedAt, receivedMs);
        if (r.action === 'started') metrics.incidentsStarted.inc({ runbook: r.runbook });
        if (r.action === 'signalled') metrics.alertsDeduplicated.inc();
        return r;
      }),
    );
    return { incidents, unmatched };
  };
}
