/**
 * An Alertmanager HA pair (test/support/alertmanager.ts) fed by both sides, as Prometheus does,
 * notifies a webhook once (the pair de-duplicates), then sends the resolution; amtool checks
 * configurations.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { amtoolAddAlert, amtoolCheckConfig, startAlertmanagerPair } from '../support/alertmanager';
import type { AlertmanagerPair } from '../support/alertmanager';
import { describeProvisioned } from '../support/provisioned';

/** The parts of Alertmanager's webhook payload (version 4) the test reads. */
interface WebhookPayload {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string> }[];
}

/** A local HTTP listener collecting webhook deliveries. */
async function webhookListener(): Promise<{ url: string; received: WebhookPayload[]; server: Server }> {
  const received: WebhookPayload[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as WebhookPayload);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/alerts`, received, server };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

describeProvisioned(['alertmanager.sh'], 'an Alertmanager HA pair', () => {
  let pair: AlertmanagerPair | undefined;
  let hook: Awaited<ReturnType<typeof webhookListener>>;

  beforeAll(async () => {
    hook = await webhookListener();
    pair = await startAlertmanagerPair({ webhookUrl: hook.url, groupWait: '500ms', groupInterval: '1s' });
  }, 90_000);

  afterAll(async () => {
    await pair?.stop();
    await new Promise((r) => hook?.server.close(r));
  });

  it('delivers one webhook for an alert posted to both instances, then its resolution', async () => {
    const labels = { alertname: 'DiskFull', instance: 'db-1', severity: 'page' };
    await pair!.postAlerts([{ labels, annotations: { summary: 'disk full' } }]);
    await until(() => hook.received.length > 0, 20_000);
    // Longer than the second instance's peer timeout (1s): a duplicate would have arrived by now.
    await new Promise((r) => setTimeout(r, 3000));
    expect(hook.received.map((p) => [p.status, p.groupLabels])).toEqual([
      ['firing', { alertname: 'DiskFull' }],
    ]);
    expect(hook.received[0]?.alerts.map((a) => a.labels)).toEqual([labels]);

    await pair!.postAlerts([{ labels, endsAt: new Date().toISOString() }]);
    await until(() => hook.received.some((p) => p.status === 'resolved'), 20_000);
    expect(hook.received.map((p) => p.status)).toEqual(['firing', 'resolved']);
  }, 60_000);

  it('accepts an alert added with amtool and lists it in the v2 API', async () => {
    const added = await amtoolAddAlert(pair!.urls[1], { alertname: 'AmtoolAdded', instance: 'web-1' });
    expect(added).toEqual({ ok: true, output: '' });
    const res = await fetch(`${pair!.urls[1]}/api/v2/alerts?filter=alertname%3D%22AmtoolAdded%22`);
    const alerts = (await res.json()) as { labels: Record<string, string> }[];
    expect(alerts.map((a) => a.labels)).toEqual([{ alertname: 'AmtoolAdded', instance: 'web-1' }]);
  });

  it('has amtool accept a valid configuration and reject a route to an unknown receiver', async () => {
    const fixture = (name: string) => join(__dirname, 'fixtures', name);
    const valid = await amtoolCheckConfig(fixture('alertmanager-valid.yml'));
    expect(valid.output).toContain('SUCCESS');
    expect(valid.ok).toBe(true);
    const invalid = await amtoolCheckConfig(fixture('alertmanager-invalid.yml'));
    expect(invalid.ok).toBe(false);
    expect(invalid.output).toContain('nobody-by-this-name');
  });

  it('runs the configuration it was given, which amtool accepts', async () => {
    const check = await amtoolCheckConfig(pair!.configFile);
    expect(check.ok).toBe(true);
    expect(check.output).toContain(' - 1 receivers');
  });
});
