/**
 * The data of the `resolveOnCall` activity. Shared by the workflow, activities/ and oncall/; pure
 * types.
 */
import type { NotificationKind, Severity } from './plan';

/** What a runbook says about who to involve, to be resolved against the on-call config. */
export interface ResolveOnCallInput {
  runbookId: string;
  service: string;
  severity: Severity;
  chain?: string;
  levels: string[][];
  notify: { on: NotificationKind[]; to: string[] }[];
  owners: string[];
}
