/**
 * The post-incident report, written (and mailed) once the incident has ended.
 */
import { CancellationScope, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { hasChange, isCurrentType } from './versions';
import type { IncidentActivities } from '../../activities/types';
import type { IncidentInput } from '../../contracts/incident';
import { errorMessage } from './failures';
import type { Notifier } from './notifier';
import type { IncidentStore } from './store';

/** Patch: the report activity gets the incident id, not its state (it queries the incident). */
export const REPORT_READS_STATE_PATCH = 'report-reads-state';

const REPORT_OPTIONS = {
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3, initialInterval: '2s' },
} as const;
const { writeReport } = proxyActivities<IncidentActivities>(REPORT_OPTIONS);
/**
 * The current workflow type writes the report as a local activity: a local activity's input never
 * reaches the history (only its result, in a marker), so it takes the final state directly —
 * no query back into a workflow whose task it is running in — and the report costs one event
 * instead of three activity events and a workflow task.
 */
const { writeReport: writeReportHere } = proxyLocalActivities<IncidentActivities>(REPORT_OPTIONS);

/** Writes the report for the runbook's owners (and the report recipients); never throws. */
export async function writeIncidentReport(
  store: IncidentStore,
  notifier: Notifier,
  owners: readonly string[],
  links: IncidentInput['links'],
): Promise<void> {
  try {
    const to = notifier.recipients('report', owners);
    // The activity reads the final state by query: the state is the largest payload an incident
    // would otherwise store in its history a second time.
    const here = isCurrentType();
    const subject =
      !here && hasChange(REPORT_READS_STATE_PATCH)
        ? { incidentId: store.state.id }
        : { state: store.snapshot() };
    const write = here ? writeReportHere : writeReport;
    // Non-cancellable: the report is the record of the incident, however it ended.
    const report = await CancellationScope.nonCancellable(() =>
      write({ ...subject, to, ...(links ? { links } : {}) }),
    );
    store.reportWritten(report);
  } catch (e) {
    store.record('report_written', `report could not be written: ${errorMessage(e)}`, {
      data: { ok: false },
    });
  }
}
