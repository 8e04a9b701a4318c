/**
 * Which behaviour changes a run of the incident workflow has.
 *
 * The first workflow type, `incidentWorkflow`, decides each change with a Temporal patch marker
 * (`patched(id)`): a run recorded before the change replays the old path. But every `patched()`
 * in a new run writes a marker and a search-attribute upsert into its history — two events per
 * change, ten in a simple incident, whose whole history should stay within 40 events (issue #17).
 * So new incidents start the current type, `incidentWorkflowV2`, which has every change of the
 * first type without asking (nothing recorded), and the changes made with it (notifications and
 * the local-host pin as local activities, notices sent at once when a person must act; see
 * {@link isCurrentType}). A change to the current type from now on is a `patched()` call again.
 *
 * The flag is module state: the SDK gives every workflow run its own instance of each module
 * that is not shared (worker/bundle.ts `SHARED_WORKFLOW_MODULES`; this one must never be), so it
 * belongs to one run, set once before anything asks.
 */
import { patched } from '@temporalio/workflow';

let currentType = false;

/** Called first thing by the current workflow type. */
export function runAsCurrentType(): void {
  currentType = true;
}

/** Whether this run is the current type (the changes made since the first type are on). */
export function isCurrentType(): boolean {
  return currentType;
}

/** Whether this run has the change `patchId`: always for the current type, else its patch marker. */
export function hasChange(patchId: string): boolean {
  return currentType || patched(patchId);
}
