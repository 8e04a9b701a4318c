/**
 * The data of the `sendNotification` activity. Shared by the workflow, activities/ and notify/;
 * pure types.
 */
import type { IncidentState } from './incident';
import type { NotificationKind } from './plan';

/** One notification of one kind to a set of people. */
export interface NotificationInput {
  kind: NotificationKind;
  incidentId: string;
  /** Person ids (resolved against the snapshot's people). */
  to: string[];
  /** A compact view of the incident for the templates (the activity never reads history). */
  state: IncidentState;
  /** For approval_needed: the step, and when the request expires (links are signed per recipient). */
  approval?: { stepId: string; expiresAt: string };
  /** For escalated: the level paged. */
  escalation?: { level: number; levelName: string };
  links?: { incidentBaseUrl?: string; temporalUiBaseUrl?: string };
}

/** What became of a notification, per recipient. */
export interface NotificationResult {
  /** Per recipient: delivered (accepted by SMTP / written to the outbox) or failed with a reason. */
  deliveries: { to: string; email: string; ok: boolean; messageId?: string; error?: string }[];
}
