/**
 * `sendNotification`: one mail per person, carrying every notice the workflow combined for them,
 * with approval links signed for that person. A delivery that fails for a reason that may pass
 * (SMTP unreachable, 4xx) comes back as `retryable` and the workflow tries again with its own
 * backoff while the incident is open; an address SMTP refuses for good (5xx) or a person without
 * one is final. Recipients already delivered in an earlier attempt of the same activity are
 * remembered in heartbeat details and not mailed twice.
 */
import { Context } from '@temporalio/activity';
import type { FirebreakConfig } from '../services/config/types';
import { mailView } from '../contracts/mail-view';
import { isLegacyNotification } from '../contracts/notifications';
import type {
  LegacyNotificationInput,
  MailRequest,
  Notice,
  NotificationBatchInput,
} from '../contracts/notifications';
import type { Person } from '../contracts/incident';
import { workflowIdOfIncident } from '../language/plan/context';
import type { Mailer } from '../services/notify/mailer';
import { approvalUrl, signApproval } from '../services/notify/links';
import { renderMail } from '../services/notify/templates';
import type { ApprovalLinks, MailLinks } from '../services/notify/templates';
import type { IncidentActivities, NotificationResult } from './types';

export interface NotifyActivityDeps {
  mailer: Mailer;
  config: Pick<FirebreakConfig, 'approvalSigningKey' | 'approvalLinkTtlMs' | 'intake' | 'temporal'>;
  now?: () => number;
  /** Called once per notice kind of every mail after the deliveries (metrics hook). */
  onDelivered?: (kind: string, result: NotificationResult) => void;
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
    const ctx = Context.current();
    // A local activity (the current workflow type sends mail so) has no heartbeats: a retry after
    // a lost worker mails the batch again — a page twice rather than never.
    if (ctx.info.isLocal) return;
    ctx.heartbeat({ delivered });
  } catch {
    // not inside an activity
  }
}

/** SMTP 5xx means this address will never work: record it rather than retry it forever. */
function isPermanent(err: unknown): boolean {
  const cause = (err as { cause?: { responseCode?: number } }).cause;
  const code = cause?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * A link lives as long as the approval request it answers (the step's `approval_timeout`, 30 min
 * by default), never longer than `approvalLinkTtlMs` (FIREBREAK_APPROVAL_TTL_MS, a cap).
 */
export function approvalLinkExpiry(requestExpiresAt: string, now: number, ttlMs: number): number {
  const requested = Date.parse(requestExpiresAt);
  const cap = now + ttlMs;
  return Number.isFinite(requested) ? Math.min(requested, cap) : cap;
}

function linksFor(
  deps: NotifyActivityDeps,
  input: NotificationBatchInput,
  mail: MailRequest,
  now: number,
): MailLinks {
  const { config } = deps;
  const publicUrl = config.intake.publicUrl.replace(/\/+$/, '');
  const incidentBase = input.links?.incidentBaseUrl ?? `${publicUrl}/v1/incidents`;
  const uiBase = input.links?.temporalUiBaseUrl ?? config.temporal.uiBaseUrl;
  const id = encodeURIComponent(input.incidentId);
  const approvals: Record<string, ApprovalLinks> = {};
  for (const n of mail.notices) {
    if (n.kind !== 'approval_needed' || !n.approval) continue;
    const expiresAt = approvalLinkExpiry(n.approval.expiresAt, now, config.approvalLinkTtlMs);
    const claims = { incidentId: input.incidentId, stepId: n.approval.stepId, person: mail.to, expiresAt };
    const key = config.approvalSigningKey;
    approvals[n.approval.stepId] = {
      approveUrl: approvalUrl(publicUrl, signApproval(key, { ...claims, decision: 'approve' })),
      rejectUrl: approvalUrl(publicUrl, signApproval(key, { ...claims, decision: 'reject' })),
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }
  return {
    incidentUrl: `${incidentBase}/${id}`,
    ...(uiBase
      ? {
          temporalUrl: `${uiBase.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowIdOfIncident(input.incidentId))}`,
        }
      : {}),
    approvals,
  };
}

async function deliverOne(
  deps: NotifyActivityDeps,
  input: NotificationBatchInput,
  mail: MailRequest,
  person: Person,
): Promise<Delivery> {
  const links = linksFor(deps, input, mail, (deps.now ?? Date.now)());
  const rendered = renderMail(input.incident, mail.notices, person, links);
  const kinds = mail.notices.map((n) => n.kind).join(',');
  try {
    const { messageId } = await deps.mailer.send({
      to: person.email,
      ...rendered,
      headers: { 'X-Firebreak-Incident': input.incidentId, 'X-Firebreak-Kind': kinds },
    });
    return { to: mail.to, email: person.email, ok: true, messageId };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { to: mail.to, email: person.email, ok: false, error, retryable: !isPermanent(err) };
  }
}

/** Every mail of the batch; returns per recipient what became of it. Never throws for delivery failures. */
async function sendBatch(
  deps: NotifyActivityDeps,
  input: NotificationBatchInput,
): Promise<NotificationResult> {
  const done = previousDeliveries();
  const deliveries: Delivery[] = [...done];
  for (const mail of input.mails) {
    if (done.some((d) => d.to === mail.to && d.ok)) continue;
    const person = input.people[mail.to];
    if (!person?.email) {
      const error = person ? `no email address for "${mail.to}"` : `unknown recipient "${mail.to}"`;
      deliveries.push({ to: mail.to, email: '', ok: false, retryable: false, error });
      continue;
    }
    const d = await deliverOne(deps, input, mail, person);
    deliveries.push(d);
    if (d.ok) heartbeat(deliveries.filter((x) => x.ok));
  }
  for (const mail of input.mails) {
    const mine = deliveries.filter((d) => d.to === mail.to);
    for (const n of mail.notices) deps.onDelivered?.(n.kind, { deliveries: mine });
  }
  return { deliveries };
}

/** The notice a pre-patch input stands for. */
function legacyNotice(input: LegacyNotificationInput): Notice {
  const { state } = input;
  const notice: Notice = { kind: input.kind };
  if (input.escalation) notice.escalation = { ...input.escalation };
  if (input.kind === 'approval_needed' && input.approval) {
    const { stepId, expiresAt } = input.approval;
    const p = state.pendingApprovals.find((x) => x.stepId === stepId);
    const step = state.steps.find((s) => s.id === stepId);
    notice.approval = {
      stepId,
      title: p?.title ?? step?.title ?? stepId,
      expiresAt,
      approvers: p?.approvers ?? [],
      ...(step?.command !== undefined ? { command: step.command } : {}),
      ...(step?.target !== undefined ? { target: step.target } : {}),
    };
  }
  return notice;
}

/** An incident started before the combined notifier: same mails, and a throw for Temporal to retry. */
async function sendLegacy(
  deps: NotifyActivityDeps,
  input: LegacyNotificationInput,
): Promise<NotificationResult> {
  const notice = legacyNotice(input);
  const result = await sendBatch(deps, {
    incidentId: input.incidentId,
    incident: mailView(input.state),
    people: input.state.oncall?.people ?? {},
    mails: [...new Set(input.to)].map((to) => ({ to, notices: [notice] })),
    ...(input.links ? { links: input.links } : {}),
  });
  const transient = result.deliveries.filter((d) => !d.ok && d.retryable);
  if (transient.length > 0) {
    const who = transient.map((d) => `${d.to} <${d.email}>: ${d.error ?? 'failed'}`).join('; ');
    throw new Error(`notification ${input.kind} for ${input.incidentId} not delivered to ${who}`);
  }
  return result;
}

export function createNotifyActivities(
  deps: NotifyActivityDeps,
): Pick<IncidentActivities, 'sendNotification'> {
  return {
    async sendNotification(input) {
      return isLegacyNotification(input) ? sendLegacy(deps, input) : sendBatch(deps, input);
    },
  };
}
