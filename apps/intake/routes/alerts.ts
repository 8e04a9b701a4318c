/** Alert webhooks (Alertmanager, Grafana, generic JSON): each answers 202 with what it started or joined. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { parseAlertmanagerWebhook } from '../../../frontend/alerts/alertmanager';
import type { AlertInstance } from '../../../contracts/alert';
import { requireJsonBody } from '../content-type';
import type { IntakeContext } from '../context';
import { normalizeGeneric, normalizeGrafana } from '../normalize';
import type { GenericPayload, GrafanaPayload } from '../normalize';
import * as S from '../schemas';

export const alertRoutes: FastifyPluginAsync<Pick<IntakeContext, 'auth' | 'ingest'>> = async (
  app,
  { auth, ingest },
) => {
  const onRequest = auth.requireAlertToken;
  const preParsing = requireJsonBody;
  /** Ingests the alerts `toAlerts` reads from the body (given the receipt time) and answers 202. */
  const accept = async (
    reply: FastifyReply,
    source: AlertInstance['source'],
    toAlerts: (receivedAt: string) => AlertInstance[],
  ) => {
    // Receipt is when the request arrived (Fastify's clock starts before the body is read, parsed
    // and validated): receipt → started then covers everything the intake does.
    const receivedMs = Math.round(Date.now() - reply.elapsedTime);
    const receivedAt = new Date(receivedMs).toISOString();
    const alerts = toAlerts(receivedAt);
    return reply.code(202).send(await ingest(source, alerts, receivedAt, receivedMs));
  };

  app.post(
    '/v1/alerts/alertmanager',
    { onRequest, preParsing, schema: { body: S.alertmanagerBody } },
    (req, reply) => accept(reply, 'alertmanager', () => parseAlertmanagerWebhook(req.body)),
  );
  app.post<{ Body: GenericPayload }>(
    '/v1/alerts',
    { onRequest, preParsing, schema: { body: S.genericBody } },
    (req, reply) => accept(reply, 'generic', (receivedAt) => normalizeGeneric(req.body, receivedAt)),
  );
  app.post<{ Body: GrafanaPayload }>(
    '/v1/alerts/grafana',
    { onRequest, preParsing, schema: { body: S.grafanaBody } },
    (req, reply) => accept(reply, 'grafana', () => normalizeGrafana(req.body)),
  );
};
