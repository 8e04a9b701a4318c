import { Context } from '@temporalio/activity';
import type { FirebreakConfig } from '../services/config/types';
import type { Person } from '../contracts/incident';
import { workflowIdOfIncident } from '../language/plan/context';
import type { Mailer } from '../services/notify/mailer';
import { approvalUrl, signApproval } from '../services/notify/links';
import { renderNotification } from '../services/notify/templates';
import type { MailLinks } from '../services/notify/templates';
import type { IncidentActivities, NotificationInput, NotificationResult } from './types';

export interface NotifyActivityDeps {
  mailer: Mailer;
  config: Pick<FirebreakConfig, 'approvalSigningKey' | 'approvalLinkTtlMs' | 'intake' | 'temporal'>;
  now?: () => number;
  /** Called once per notification after the deliveries (metrics hook). */
  onDelivered?: (kind: NotificationInput['kind'], result: NotificationResult) => void;
}

type Delivery = NotificationResult['deliveries'][number];

/** Heartbeat details from a previous attempt: recipients already delivered (not mailed twice on retry). */
function previousDeliveries(): Delivery[] {
  try {
    const d = Context.current().info.heartbeatDetails as { delivered?: Delivery[] } | undefined;
    return Array.isArray(d?.delivered) ? d.delivered : [];
  } catch {
    return []; // not inside an activity (unit tests)
  }
}

function heartbeat(delivered: Delivery[]): void {
  try {
    Context.current().heartbeat({ delivered });
  } catch {
    // not inside an activity
  }
}

/** SMTP 5xx means this address will never work: record it rather than retry the whole batch forever. */
function isPermanent(err: unknown): boolean {
  const cause = (err as { cause?: { responseCode?: number } }).cause;
  const code = cause?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * `sendNotification`: one mail per recipient (approval links are signed per recipient). If SMTP is
 * unreachable for any recipient the activity throws a plain Error after trying them all, so
 * Temporal retries with backoff; recipients already delivered are remembered in heartbeat details
 * and not mailed again.
 */
export function createNotifyActivities(
  deps: NotifyActivityDeps,
): Pick<IncidentActivities, 'sendNotification'> {
  const now = deps.now ?? Date.now;
  return {
    async sendNotification(input) {
      const state = input.state;
      const done = previousDeliveries();
      const deliveries: Delivery[] = [...done];
      const transient: string[] = [];
      const incidentBase =
        input.links?.incidentBaseUrl ?? `${deps.config.intake.publicUrl.replace(/\/+$/, '')}/v1/incidents`;
      const uiBase = input.links?.temporalUiBaseUrl ?? deps.config.temporal.uiBaseUrl;
      for (const id of [...new Set(input.to)]) {
        if (done.some((d) => d.to === id && d.ok)) continue;
        const person: Person | undefined = state.oncall?.people[id];
        if (!person) {
          deliveries.push({ to: id, email: '', ok: false, error: `unknown recipient "${id}"` });
          continue;
        }
        const links: MailLinks = {
          incidentUrl: `${incidentBase}/${encodeURIComponent(input.incidentId)}`,
          temporalUrl: uiBase
            ? `${uiBase.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(deps.config.temporal.namespace)}/workflows/${encodeURIComponent(workflowIdOfIncident(input.incidentId))}`
            : undefined,
        };
        if (input.kind === 'approval_needed' && input.approval) {
          const requested = Date.parse(input.approval.expiresAt);
          const ttl = now() + deps.config.approvalLinkTtlMs;
          const expiresAt = Number.isFinite(requested) ? Math.min(requested, ttl) : ttl;
          const claims = {
            incidentId: input.incidentId,
            stepId: input.approval.stepId,
            person: id,
            expiresAt,
          };
          const key = deps.config.approvalSigningKey;
          links.approveUrl = approvalUrl(
            deps.config.intake.publicUrl,
            signApproval(key, { ...claims, decision: 'approve' }),
          );
          links.rejectUrl = approvalUrl(
            deps.config.intake.publicUrl,
            signApproval(key, { ...claims, decision: 'reject' }),
          );
        }
        const mail = renderNotification(input, person, links);
        try {
          const { messageId } = await deps.mailer.send({
            to: person.email,
            ...mail,
            headers: { 'X-Firebreak-Incident': input.incidentId, 'X-Firebreak-Kind': input.kind },
          });
          deliveries.push({ to: id, email: person.email, ok: true, messageId });
          heartbeat(deliveries.filter((d) => d.ok));
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          if (isPermanent(err)) deliveries.push({ to: id, email: person.email, ok: false, error });
          else transient.push(`${id} <${person.email}>: ${error}`);
        }
      }
      if (transient.length) {
        throw new Error(
          `notification ${input.kind} for ${input.incidentId} not delivered to ${transient.join('; ')}`,
        );
      }
      const result = { deliveries };
      deps.onDelivered?.(input.kind, result);
      return result;
    },
  };
}
