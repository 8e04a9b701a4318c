import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../contracts/failures';

/**
 * The incident state handed to the report renderer cannot be rendered (missing id, runbook or
 * start time). Permanent: retrying the same state gives the same answer.
 */
export function invalidReportState(reason: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`cannot render report: ${reason}`, FAILURE_TYPES.invalidReportState);
}

/**
 * A report file name derived from the incident id would escape the reports directory or is empty.
 * Permanent: the id is fixed for the incident.
 */
export function unsafeReportPath(incidentId: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `incident id ${JSON.stringify(incidentId)} cannot be used as a report file name`,
    FAILURE_TYPES.unsafeReportPath,
  );
}
