/**
 * Wires the intake's protection into the app, before any route plugin: rate limits (429) on the
 * webhooks and the API, then alert size limits (413/422) on the webhooks. Both run before a
 * handler, so a refused delivery starts nothing.
 */
import type { FastifyInstance } from 'fastify';
import type { FirebreakConfig } from '../../services/config/types';
import { alertLimitsHook, DEFAULT_ALERT_LIMITS } from './limits';
import { DEFAULT_RATE_LIMITS, rateLimitHooks, type RateLimits } from './rate-limit';

/** The configured rate limits, every part not configured at its default. */
export function rateLimitsOf(intake: FirebreakConfig['intake']): RateLimits {
  const r = intake.rateLimit ?? {};
  return {
    enabled: r.enabled ?? DEFAULT_RATE_LIMITS.enabled,
    alertRequests: r.alertRequests ?? DEFAULT_RATE_LIMITS.alertRequests,
    newAlerts: r.newAlerts ?? DEFAULT_RATE_LIMITS.newAlerts,
    api: r.api ?? DEFAULT_RATE_LIMITS.api,
    perAlert: r.perAlert ?? DEFAULT_RATE_LIMITS.perAlert,
  };
}

export function installProtection(app: FastifyInstance, intake: FirebreakConfig['intake']): void {
  const rate = rateLimitHooks(rateLimitsOf(intake));
  app.addHook('onRequest', rate.onRequest);
  app.addHook('preHandler', alertLimitsHook({ ...DEFAULT_ALERT_LIMITS, ...(intake.limits ?? {}) }));
  app.addHook('preHandler', rate.preHandler);
}
