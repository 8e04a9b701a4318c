/**
 * One-click approval links from the mails: `GET /v1/approvals/:token` verifies the signed token
 * and decides the step as the person it names (channel `email`), answering a small HTML page.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { IncidentState } from '../../../contracts/incident';
import { ApprovalLinkError } from '../../../services/notify/errors';
import { verifyApproval } from '../../../services/notify/links';
import type { ApprovalClaims } from '../../../services/notify/links';
import { approveUpdate, rejectUpdate } from '../../../workflows/definitions';
import { recordRefusal } from '../audit';
import type { IntakeContext } from '../context';
import { handleOfIncident, incidentState } from '../incident-lookup';
import { refusalOf } from '../errors';
import type { Refused } from '../errors';
import type { IntakeMetrics } from '../metrics';
import { page } from '../pages';
import * as S from '../schemas';

type Options = Pick<IntakeContext, 'client' | 'config' | 'metrics'>;
type Decided = NonNullable<IncidentState['steps'][number]['decidedBy']>;

function decidedLine(stepId: string, d: Decided): string {
  return `Step "${stepId}" was already ${d.decision} by ${d.person} (${d.channel}) at ${d.at}.`;
}

/** The page for a link that does not verify (altered, cut off or expired): nothing is decided. */
function invalidLink(
  err: ApprovalLinkError,
  reply: FastifyReply,
  metrics: IntakeMetrics,
  log: FastifyBaseLogger,
) {
  metrics.approvals.inc({ decision: 'unknown', channel: 'email', outcome: err.reason });
  log.warn({ reason: err.reason }, 'approval link refused');
  const expired = err.reason === 'expired';
  const title = expired ? 'This approval link has expired' : 'This approval link is not valid';
  const hint = expired
    ? 'The request has escalated or will; use the CLI or API if you still want to decide.'
    : 'It may have been altered or cut off. Nothing was approved.';
  return reply.code(expired ? 410 : 403).send(page(title, [err.message, hint], false));
}

/** Why the link was refused, explained from the incident's state: a replayed link, or someone else already decided. */
async function explainRefusal(
  client: Client,
  claims: ApprovalClaims,
  refused: Refused,
  log: FastifyBaseLogger,
): Promise<{ lines: string[]; outcome: 'refused' | 'replayed' }> {
  const { incidentId, stepId, person, nonce } = claims;
  try {
    const s = await incidentState(client, incidentId);
    const step = s.steps.find((x) => x.id === stepId);
    if (s.usedNonces.includes(nonce)) {
      log.warn({ incidentId, stepId, person }, 'approval link replay refused');
      return {
        outcome: 'replayed',
        lines: [
          `This link was already used; a link works once.`,
          ...(step?.decidedBy ? [decidedLine(stepId, step.decidedBy)] : []),
        ],
      };
    }
    if (step?.decidedBy) return { outcome: 'refused', lines: [decidedLine(stepId, step.decidedBy)] };
  } catch {
    // the refusal reason alone is still accurate
  }
  return { outcome: 'refused', lines: [refused.reason] };
}

/** Decides the step the verified link names; the page says what happened. */
async function decide(opts: Options, claims: ApprovalClaims, reply: FastifyReply, log: FastifyBaseLogger) {
  const { client, metrics } = opts;
  const { incidentId, stepId, person, decision, nonce } = claims;
  const verb = decision === 'approve' ? 'approved' : 'rejected';
  try {
    await (
      await handleOfIncident(client, incidentId)
    ).executeUpdate(decision === 'approve' ? approveUpdate : rejectUpdate, {
      args: [{ stepId, actor: { person, channel: 'email' }, nonce }],
    });
    metrics.approvals.inc({ decision, channel: 'email', outcome: 'accepted' });
    const lines = [
      `${person} ${verb} step "${stepId}" of incident ${incidentId}.`,
      'You can close this page.',
    ];
    return reply.code(200).send(page(`Step ${verb}`, lines, true));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      const lines = [`Incident ${incidentId} no longer exists or has finished.`];
      return reply.code(404).send(page('Incident not found', lines, false));
    }
    const refused = refusalOf(err);
    if (!refused) throw err;
    const { lines, outcome } = await explainRefusal(client, claims, refused, log);
    metrics.approvals.inc({ decision, channel: 'email', outcome });
    await recordRefusal(client, incidentId, {
      actor: { person, channel: 'email' },
      action: decision,
      stepId,
      reason: outcome === 'replayed' ? 'approval link already used (replayed link refused)' : refused.reason,
    });
    return reply.code(refused.status).send(page(`Step not ${verb}`, lines, false));
  }
}

export const approvalLinkRoutes: FastifyPluginAsync<Options> = async (app, opts) => {
  // No automatic HEAD route: link scanners probe with HEAD, and that must never decide a step.
  app.get<{ Params: { token: string } }>(
    '/v1/approvals/:token',
    { schema: { params: S.tokenParams }, exposeHeadRoute: false },
    async (req, reply) => {
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer');
      let claims: ApprovalClaims;
      try {
        claims = verifyApproval(opts.config.approvalSigningKey, req.params.token);
      } catch (err) {
        if (!(err instanceof ApprovalLinkError)) throw err;
        return invalidLink(err, reply, opts.metrics, req.log);
      }
      return decide(opts, claims, reply, req.log);
    },
  );
};
