/**
 * Signed one-click approval links. A token binds incident, step, approver, decision, expiry and a
 * random nonce under HMAC-SHA256; the intake verifies it and passes the nonce to the workflow,
 * whose update validator refuses a nonce it has already used (single use survives restarts
 * because the used nonces live in workflow state, not in the intake).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApprovalLinkError } from './errors';

export type Decision = 'approve' | 'reject';

export interface ApprovalClaims {
  incidentId: string;
  stepId: string;
  person: string;
  decision: Decision;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
  nonce: string;
}

interface Wire {
  i: string;
  s: string;
  p: string;
  d: 'a' | 'r';
  e: number;
  n: string;
}

function mac(key: string, body: string): Buffer {
  return createHmac('sha256', key).update(`firebreak-approval-v1.${body}`).digest();
}

/** Sign claims into a URL-safe token (`<payload>.<mac>`). The nonce is generated when not given. */
export function signApproval(
  key: string,
  claims: Omit<ApprovalClaims, 'nonce'> & { nonce?: string },
): string {
  if (!key) throw new Error('approval signing key is empty');
  const wire: Wire = {
    i: claims.incidentId,
    s: claims.stepId,
    p: claims.person,
    d: claims.decision === 'approve' ? 'a' : 'r',
    e: claims.expiresAt,
    n: claims.nonce ?? randomBytes(12).toString('base64url'),
  };
  const body = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** Verify a token; throws {@link ApprovalLinkError} (malformed, forged, expired). */
export function verifyApproval(key: string, token: string, now: number = Date.now()): ApprovalClaims {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined || token.length > 4096) {
    throw new ApprovalLinkError('malformed', 'the approval link is malformed');
  }
  const expected = mac(key, body);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ApprovalLinkError('forged', 'the approval link signature is not valid');
  }
  let wire: Wire;
  try {
    wire = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Wire;
  } catch {
    throw new ApprovalLinkError('malformed', 'the approval link payload is not readable');
  }
  if (
    typeof wire.i !== 'string' ||
    typeof wire.s !== 'string' ||
    typeof wire.p !== 'string' ||
    (wire.d !== 'a' && wire.d !== 'r') ||
    typeof wire.e !== 'number' ||
    typeof wire.n !== 'string'
  ) {
    throw new ApprovalLinkError('malformed', 'the approval link payload is incomplete');
  }
  if (now > wire.e) {
    throw new ApprovalLinkError('expired', `the approval link expired at ${new Date(wire.e).toISOString()}`);
  }
  return {
    incidentId: wire.i,
    stepId: wire.s,
    person: wire.p,
    decision: wire.d === 'a' ? 'approve' : 'reject',
    expiresAt: wire.e,
    nonce: wire.n,
  };
}

/** The public URL of a signed link. */
export function approvalUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/v1/approvals/${token}`;
}
