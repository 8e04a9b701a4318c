/** Alertmanager webhook v4 bodies for tests and the benchmark. */
export function alertmanagerPayload(
  fingerprint: string,
  status: 'firing' | 'resolved' = 'firing',
  labels: Record<string, string> = {},
): Record<string, unknown> {
  const l = {
    alertname: 'PostgresTooManyConnections',
    service: 'postgres',
    instance: '127.0.0.1:5432',
    severity: 'warning',
    ...labels,
  };
  return {
    version: '4',
    groupKey: `{}:{alertname="${l.alertname}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'firebreak',
    groupLabels: { alertname: l.alertname },
    commonLabels: l,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status,
        labels: l,
        annotations: { summary: 'connections at 98% of max_connections' },
        startsAt: '2026-11-21T10:00:00Z',
        endsAt: status === 'resolved' ? '2026-11-21T10:05:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example/graph',
        fingerprint,
      },
    ],
  };
}
