/** JSON schemas for every intake route (Fastify validates with ajv before a handler runs). */
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const status = { enum: ['firing', 'resolved'] } as const;
const MAX_ALERTS = 1000;

/**
 * Fingerprints become part of incident ids (URLs, file names): Alertmanager and Grafana send 16
 * hex characters; anything else outside this set is refused, naming the field.
 */
const fingerprint = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } as const;

/** A webhook in Alertmanager's shape (Grafana's alerting webhook extends it). */
function webhookBody(head: { required: string[]; properties: object }, alertExtras: object = {}) {
  return {
    type: 'object',
    required: [...head.required, 'alerts'],
    properties: {
      ...head.properties,
      status,
      receiver: { type: 'string' },
      groupKey: { type: 'string' },
      alerts: {
        type: 'array',
        maxItems: MAX_ALERTS,
        items: {
          type: 'object',
          required: ['status', 'labels', 'startsAt'],
          properties: {
            status,
            labels: stringMap,
            annotations: stringMap,
            startsAt: { type: 'string' },
            endsAt: { type: 'string' },
            generatorURL: { type: 'string' },
            fingerprint,
            ...alertExtras,
          },
        },
      },
    },
  } as const;
}

/** Alertmanager webhook, version 4. */
export const alertmanagerBody = webhookBody({
  required: ['version', 'status'],
  properties: { version: { const: '4' } },
});

/** Grafana alerting's webhook contact point. */
export const grafanaBody = webhookBody(
  { required: ['status'], properties: {} },
  { dashboardURL: { type: 'string' }, panelURL: { type: 'string' } },
);

export const genericBody = {
  type: 'object',
  required: ['alerts'],
  additionalProperties: false,
  properties: {
    alerts: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_ALERTS,
      items: {
        type: 'object',
        required: ['labels'],
        additionalProperties: false,
        properties: {
          status,
          labels: { ...stringMap, minProperties: 1 },
          annotations: stringMap,
          startsAt: { type: 'string', format: 'date-time' },
          endsAt: { type: 'string', format: 'date-time' },
          generatorURL: { type: 'string' },
          fingerprint,
        },
      },
    },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 300 } },
} as const;

export const decisionBody = {
  type: 'object',
  required: ['stepId'],
  additionalProperties: false,
  properties: {
    stepId: { type: 'string', minLength: 1, maxLength: 200 },
    comment: { type: 'string', maxLength: 4000 },
  },
} as const;

export const ackBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { comment: { type: 'string', maxLength: 4000 } },
} as const;

export const noteBody = {
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: { text: { type: 'string', minLength: 1, maxLength: 20000 } },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500 },
    status: { enum: ['open', 'closed', 'all'] },
  },
} as const;

export const tokenParams = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 4096 } },
} as const;

export const closeBody = {
  type: 'object',
  additionalProperties: false,
  properties: { outcome: { enum: ['resolved', 'failed'] }, comment: { type: 'string', maxLength: 4000 } },
} as const;
