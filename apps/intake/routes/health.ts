/**
 * Health (Temporal reachable and a live worker on the task queue: see worker-health.ts) and
 * Prometheus metrics; the incident gauges are brought up to date before a scrape is answered
 * (incident-gauges.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { IntakeContext } from '../context';
import { IncidentGauges } from '../incident-gauges';
import { workerHealth } from '../worker-health';

export const healthRoutes: FastifyPluginAsync<Pick<IntakeContext, 'client' | 'config' | 'metrics'>> = async (
  app,
  { client, config, metrics },
) => {
  app.get('/healthz', async (_req, reply) => {
    const { namespace, taskQueue } = config.temporal;
    try {
      const workers = await workerHealth(client, namespace, taskQueue);
      const ok = workers.live > 0;
      const body = { ok, temporal: 'reachable', taskQueue, workers, workflowPollers: workers.live };
      return reply.code(ok ? 200 : 503).send(body);
    } catch (err) {
      return reply.code(503).send({ ok: false, temporal: `unreachable: ${(err as Error).message}` });
    }
  });

  const gauges = new IncidentGauges(client, metrics);
  app.get('/metrics', async (_req, reply) => {
    await gauges.refresh();
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
