/**
 * Emailed approval links. `GET /v1/approvals/:token` (and HEAD) verifies the signed token and
 * shows a confirmation page — incident, step, the exact command and hosts, who is asked, expiry —
 * and decides NOTHING: mail gateways (Safe Links, Proofpoint, Mimecast, …) fetch every link in a
 * mail before the person does. The page's buttons POST to the same URL with a token bound to the
 * link; only that POST decides the step, as the person the link names (channel `email`). Single
 * use, expiry, forgery and "already decided by whom" are enforced as before: the signature here,
 * the nonce by the workflow's validator.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { IncidentState } from '../../../contracts/incident';
import { TERMINAL_STATUSES } from '../../../contracts/incident';
import { ApprovalLinkError } from '../../../services/notify/errors';
import { verifyApproval } from '../../../services/notify/links';
import type { ApprovalClaims } from '../../../services/notify/links';
import { approveUpdate, rejectUpdate } from '../../../workflows/definitions';
import { recordRefusal } from '../audit';
import { confirmBody, messageBody } from '../console/approval-view';
import { IncidentReader } from '../console/data';
import { sendPage } from '../console/requests';
import type { IntakeContext } from '../context';
import { executeUpdateRetrying } from '../update-retry';
import { handleOfIncident } from '../incident-lookup';
import { refusalOf } from '../errors';
import type { Refused } from '../errors';
import { acceptForms, assertSameOrigin, field } from '../forms';
import * as S from '../schemas';

type Options = Pick<IntakeContext, 'client' | 'config' | 'metrics' | 'auth' | 'masking'>;
type Decided = NonNullable<IncidentState['steps'][number]['decidedBy']>;
type Params = { Params: { token: string } };

const LINK_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
};

function decidedLine(stepId: string, d: Decided): string {
  return `Step "${stepId}" was already ${d.decision} by ${d.person} (${d.channel}) at ${d.at}.`;
}

function show(reply: FastifyReply, status: number, title: string, lines: string[], incidentId?: string) {
  const links = incidentId
    ? [{ href: `/incidents/${encodeURIComponent(incidentId)}`, text: 'The incident' }]
    : [];
  return sendPage(reply.headers(LINK_HEADERS), status, { title, body: messageBody(title, lines, links) });
}

/** The claims of a link that verifies; otherwise answers the page (nothing decided) and returns undefined. */
function verified(opts: Options, token: string, reply: FastifyReply, log: FastifyBaseLogger) {
  try {
    return verifyApproval(opts.config.approvalSigningKey, token);
  } catch (err) {
    if (!(err instanceof ApprovalLinkError)) throw err;
    opts.metrics.approvals.inc({ decision: 'unknown', channel: 'email', outcome: err.reason });
    log.warn({ reason: err.reason }, 'approval link refused');
    const expired = err.reason === 'expired';
    const title = expired ? 'This approval link has expired' : 'This approval link is not valid';
    const hint = expired
      ? 'The request has escalated or will; decide in the console, the CLI or the API if it is still open.'
      : 'It may have been altered or cut off. Nothing was approved.';
    void show(reply, expired ? 410 : 403, title, [err.message, hint]);
    return undefined;
  }
}

/** Why a step of this incident cannot be decided through the link any more, or undefined if it can. */
function closedReason(
  s: IncidentState,
  claims: ApprovalClaims,
): { status: number; title: string; lines: string[] } | undefined {
  const step = s.steps.find((x) => x.id === claims.stepId);
  if (s.usedNonces.includes(claims.nonce))
    return {
      status: 409,
      title: 'This link was already used',
      lines: [
        'This link was already used: a link works once.',
        ...(step?.decidedBy ? [decidedLine(claims.stepId, step.decidedBy)] : []),
      ],
    };
  if (step?.decidedBy)
    return { status: 409, title: 'Already decided', lines: [decidedLine(claims.stepId, step.decidedBy)] };
  if (s.pendingApprovals.some((p) => p.stepId === claims.stepId)) return undefined;
  if (TERMINAL_STATUSES.includes(s.status)) {
    const why = s.timeline.filter((e) => e.kind === 'closed' || e.kind === 'alert_resolved').at(-1)?.message;
    return {
      status: 410,
      title: 'This approval request was withdrawn',
      lines: [
        `Incident ${s.id} ended (${s.status}${why ? `: ${why}` : ''}) before anyone decided step "${claims.stepId}". Nothing was run.`,
      ],
    };
  }
  const status = step ? step.status.replace('_', ' ') : 'unknown to this incident';
  return {
    status: 409,
    title: 'Nothing to decide',
    lines: [`Step "${claims.stepId}" is not waiting for a decision (it is ${status}).`],
  };
}

async function confirmPage(
  opts: Options,
  reader: IncidentReader,
  req: FastifyRequest<Params>,
  reply: FastifyReply,
) {
  const claims = verified(opts, req.params.token, reply, req.log);
  if (!claims) return reply;
  let s: IncidentState;
  try {
    s = await reader.state(claims.incidentId);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return show(reply, 404, 'Incident not found', [
      `Incident ${claims.incidentId} does not exist (any more).`,
    ]);
  }
  const closed = closedReason(s, claims);
  if (closed) return show(reply, closed.status, closed.title, closed.lines, s.id);
  const pending = s.pendingApprovals.find((p) => p.stepId === claims.stepId)!;
  return sendPage(reply.headers(LINK_HEADERS), 200, {
    title: `Decide ${claims.stepId}`,
    body: confirmBody({
      claims,
      state: s,
      pending,
      confirm: opts.auth.sessions.formToken('approval', claims.nonce),
      action: `/v1/approvals/${req.params.token}`,
      mask: opts.masking.mask,
    }),
  });
}

/**
 * {@link closedReason} from the incident's current state (a finished incident's too), or undefined
 * when the link can still decide or the state cannot be read.
 */
async function closedReasonNow(reader: IncidentReader, claims: ApprovalClaims) {
  try {
    return closedReason(await reader.state(claims.incidentId), claims);
  } catch {
    return undefined;
  }
}

/** Why the POST was refused, explained from the incident's state: a replayed link, or someone else already decided. */
async function explainRefusal(reader: IncidentReader, claims: ApprovalClaims, refused: Refused) {
  // Without a readable state the refusal reason alone is still accurate.
  const closed = await closedReasonNow(reader, claims);
  if (closed)
    return {
      outcome: closed.title.includes('used') ? ('replayed' as const) : ('refused' as const),
      lines: closed.lines,
    };
  return { outcome: 'refused' as const, lines: [refused.reason] };
}

async function decide(
  opts: Options,
  reader: IncidentReader,
  req: FastifyRequest<Params>,
  reply: FastifyReply,
) {
  const claims = verified(opts, req.params.token, reply, req.log);
  if (!claims) return reply;
  assertSameOrigin(req, opts.config.intake.publicUrl);
  if (!opts.auth.sessions.checkFormToken('approval', claims.nonce, field(req.body, 'confirm'))) {
    return show(reply, 403, 'Open the link to decide', [
      'This decision did not come from the link’s own page; open the link and use its buttons.',
    ]);
  }
  const decision =
    field(req.body, 'decision') === 'reject'
      ? 'reject'
      : field(req.body, 'decision') === 'approve'
        ? 'approve'
        : claims.decision;
  const verb = decision === 'approve' ? 'approved' : 'rejected';
  const comment = field(req.body, 'comment').trim().slice(0, 4000);
  const { incidentId, stepId, person, nonce } = claims;
  const actor = { person, channel: 'email' as const };
  try {
    await executeUpdateRetrying(
      await handleOfIncident(opts.client, incidentId),
      decision === 'approve' ? approveUpdate : rejectUpdate,
      { stepId, actor, nonce, ...(comment ? { comment } : {}) },
    );
    opts.metrics.approvals.inc({ decision, channel: 'email', outcome: 'accepted' });
    return show(
      reply,
      200,
      `Step ${verb}`,
      [`${person} ${verb} step "${stepId}" of incident ${incidentId}.`],
      incidentId,
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      // A finished incident takes no update, but its state still says why the link is spent.
      const ended = await closedReasonNow(reader, claims);
      if (ended) return show(reply, ended.status, ended.title, ended.lines, incidentId);
      return show(reply, 404, 'Incident not found', [
        `Incident ${incidentId} no longer exists or has finished.`,
      ]);
    }
    const refused = refusalOf(err);
    if (!refused) throw err;
    const { lines, outcome } = await explainRefusal(reader, claims, refused);
    opts.metrics.approvals.inc({ decision, channel: 'email', outcome });
    await recordRefusal(opts.client, incidentId, {
      actor,
      action: decision,
      stepId,
      reason: outcome === 'replayed' ? 'approval link already used (replayed link refused)' : refused.reason,
    });
    return show(reply, refused.status, `Step not ${verb}`, lines, incidentId);
  }
}

export const approvalLinkRoutes: FastifyPluginAsync<Options> = async (app, opts) => {
  const reader = new IncidentReader(opts.client);
  acceptForms(app);
  // GET and HEAD only ever show the confirmation page: a scanner's fetch decides nothing.
  app.get<Params>('/v1/approvals/:token', { schema: { params: S.tokenParams } }, (req, reply) =>
    confirmPage(opts, reader, req, reply),
  );
  app.post<Params>('/v1/approvals/:token', { schema: { params: S.tokenParams } }, (req, reply) =>
    decide(opts, reader, req, reply),
  );
};
