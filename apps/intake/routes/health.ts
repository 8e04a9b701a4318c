/**
 * Health (Temporal reachable and a worker polling the task queue) and Prometheus metrics; the
 * incident gauges are brought up to date before a scrape is answered (incident-gauges.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { IntakeContext } from '../context';
import { IncidentGauges } from '../incident-gauges';

export const healthRoutes: FastifyPluginAsync<Pick<IntakeContext, 'client' | 'config' | 'metrics'>> = async (
  app,
  { client, config, metrics },
) => {
  app.get('/healthz', async (_req, reply) => {
    const { namespace, taskQueue } = config.temporal;
    try {
      const res = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: 1 },
        taskQueueType: 1,
      });
      const pollers = res.pollers?.length ?? 0;
      const body = { ok: pollers > 0, temporal: 'reachable', taskQueue, workflowPollers: pollers };
      return reply.code(pollers > 0 ? 200 : 503).send(body);
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
