/**
 * Console sessions and form tokens, stateless so any number of intakes behind a load balancer
 * agree: a session is `<payload>.<HMAC>` in an HttpOnly, SameSite=Strict cookie (Secure and
 * `__Host-` prefixed over https) naming the person, its expiry, a random id and a fingerprint of
 * the person's token (rotating the token ends the session). Keys are derived from the approval
 * signing key (FIREBREAK_APPROVAL_KEY), which every intake shares.
 *
 * Every form carries a token bound to what it acts for: the session (signed-in forms), a
 * pre-session cookie (the sign-in form) or an approval link's nonce (its confirmation page).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** One signed-in person. */
export interface Session {
  person: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Random id: CSRF tokens are bound to it; sign-out revokes it. */
  id: string;
}

interface Wire {
  p: string;
  e: number;
  n: string;
  /** Fingerprint of the token the person signed in with. */
  t: string;
}

function b64(buf: Buffer): string {
  return buf.toString('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A short, non-reversible fingerprint of an API token. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 16);
}

/** Issues and reads sessions and form tokens under keys derived from the approval key. */
export class SessionKeys {
  private readonly key: Buffer;
  /** Sessions signed out on this intake, until they would have expired anyway. */
  private readonly revoked = new Map<string, number>();

  constructor(
    approvalKey: string,
    readonly ttlMs: number,
  ) {
    this.key = createHmac('sha256', approvalKey).update('firebreak-console-v1').digest();
  }

  private mac(purpose: string, body: string): string {
    return b64(createHmac('sha256', this.key).update(`${purpose}.${body}`).digest());
  }

  /** A new session for `person`, who signed in with `token`; returns the cookie value too. */
  issue(person: string, token: string, now = Date.now()): { session: Session; value: string } {
    const wire: Wire = {
      p: person,
      e: now + this.ttlMs,
      n: b64(randomBytes(12)),
      t: tokenFingerprint(token),
    };
    const body = b64(Buffer.from(JSON.stringify(wire)));
    return {
      session: { person, expiresAt: wire.e, id: wire.n },
      value: `${body}.${this.mac('session', body)}`,
    };
  }

  /**
   * The session a cookie value holds, if it verifies, has not expired, was not signed out here,
   * and the person still holds the token it was opened with (`fingerprints`: person → theirs).
   */
  read(
    value: string | undefined,
    fingerprints: (person: string) => string[],
    now = Date.now(),
  ): Session | undefined {
    if (!value || value.length > 1024) return undefined;
    const [body, sig, extra] = value.split('.');
    if (!body || !sig || extra !== undefined || !same(sig, this.mac('session', body))) return undefined;
    let wire: Partial<Wire>;
    try {
      wire = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Wire>;
    } catch {
      return undefined;
    }
    const { p, e, n, t } = wire;
    if (typeof p !== 'string' || typeof e !== 'number' || typeof n !== 'string' || typeof t !== 'string')
      return undefined;
    if (now > e || this.revoked.has(n) || !fingerprints(p).includes(t)) return undefined;
    return { person: p, expiresAt: e, id: n };
  }

  /** Signs a session out on this intake (its cookie is cleared too). */
  revoke(session: Session, now = Date.now()): void {
    for (const [id, exp] of this.revoked) if (exp < now) this.revoked.delete(id);
    this.revoked.set(session.id, session.expiresAt);
  }

  /** The form token for forms acting under `binding` (a session id, a pre-session id, an approval nonce). */
  formToken(purpose: 'session' | 'signin' | 'approval', binding: string): string {
    return this.mac(`form-${purpose}`, binding);
  }

  /** Whether `given` is the form token for `binding`. */
  checkFormToken(purpose: 'session' | 'signin' | 'approval', binding: string, given: unknown): boolean {
    return typeof given === 'string' && given.length > 0 && same(given, this.formToken(purpose, binding));
  }

  /** A random id for the sign-in form's pre-session cookie. */
  static newId(): string {
    return b64(randomBytes(12));
  }
}
