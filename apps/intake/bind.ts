/**
 * Where the intake listens, and whether it may: beyond loopback, anyone who reaches the port can
 * post alerts (which start remediations) and read incidents, so the intake refuses to start there
 * without an alert token and person tokens — unless explicitly overridden, which is logged loudly.
 */
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { EngineError } from '../../services/config/errors';

/** True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/gu, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (h.startsWith('::ffff:')) return isLoopback(h.slice(7));
  return isIP(h) === 4 && h.startsWith('127.');
}

/** What decides whether the intake may listen where it is told to. */
export interface ExposureFacts {
  host: string;
  alertToken: boolean;
  personTokens: number;
  allowInsecureBind: boolean;
}

/**
 * Throws {@link EngineError} when listening on `host` would expose an unauthenticated intake;
 * with the override, returns the warning to log (loudly) instead. Returns undefined when all is well.
 */
export function checkExposure(f: ExposureFacts): string | undefined {
  if (isLoopback(f.host)) return undefined;
  const missing = [
    ...(f.alertToken ? [] : ['an alert token (FIREBREAK_ALERT_TOKEN)']),
    ...(f.personTokens > 0 ? [] : ['person tokens (token: in the on-call file, or FIREBREAK_API_TOKENS)']),
  ];
  if (missing.length === 0) return undefined;
  const what = `listening on ${f.host} (beyond loopback) without ${missing.join(' and ')}`;
  if (!f.allowInsecureBind) {
    throw new EngineError(
      `refusing to start: ${what} would let anyone who reaches the port start remediations or act on incidents. ` +
        `Configure them, listen on 127.0.0.1 behind a reverse proxy, or set FIREBREAK_ALLOW_INSECURE_BIND=true to accept the risk.`,
    );
  }
  return `WARNING: ${what}: FIREBREAK_ALLOW_INSECURE_BIND=true, anyone who reaches the port can post alerts and act on incidents`;
}

/** The URL of the address actually bound (`0.0.0.0`/`::` kept as such: all interfaces). */
export function boundUrl(address: AddressInfo | string | null, fallback: string): string {
  if (!address || typeof address === 'string') return fallback;
  const host =
    address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
