/**
 * Real Prometheus Alertmanager for intake tests (built by scripts/provision/alertmanager.sh): an
 * HA pair gossiping on loopback whose webhook receiver points at a URL the test serves, fed the
 * way Prometheus feeds it (every alert posted to every instance; the pair de-duplicates).
 */
import { freePort } from './net';
import { httpOk, runCheck, spawnDaemon, waitFor } from './daemon';
import type { Daemon, ToolCheck } from './daemon';
import { provisionedPaths } from './provisioned';
import { stopProcess } from './services';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type { ToolCheck };

/** Routing of the pair's single webhook receiver. Durations in Alertmanager syntax (`500ms`, `2s`). */
export interface AlertmanagerOptions {
  /** Where the receiver POSTs its notifications (e.g. the intake's webhook URL). */
  webhookUrl: string;
  /** Default `['alertname']`. */
  groupBy?: string[];
  /** Default `1s` (Alertmanager's own default is 30s). */
  groupWait?: string;
  /** Default `2s`. */
  groupInterval?: string;
  /** Default `1h`, so a test sees no repeats unless it asks. */
  repeatInterval?: string;
  /** How long the second instance waits for the first to notify before it does; default `1s`. */
  peerTimeout?: string;
}

/** An alert as `POST /api/v2/alerts` takes it; omit `endsAt` for a firing alert. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** RFC 3339; a past `endsAt` resolves the alert. */
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** Two clustered Alertmanagers; `stop()` kills both and removes their files. */
export interface AlertmanagerPair {
  /** Base URLs of the two instances (`http://127.0.0.1:port`), for `--alertmanager.url` or the API. */
  urls: [string, string];
  /** The configuration both instances run. */
  configFile: string;
  /** Posts the alerts to both instances, as Prometheus does in an HA setup. */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  stop(): Promise<void>;
}

/** The alertmanager.yml the pair runs: one route to one webhook receiver, resolved alerts sent too. */
export function alertmanagerConfig(o: AlertmanagerOptions): string {
  return [
    'route:',
    '  receiver: webhook',
    `  group_by: ${JSON.stringify(o.groupBy ?? ['alertname'])}`,
    `  group_wait: ${o.groupWait ?? '1s'}`,
    `  group_interval: ${o.groupInterval ?? '2s'}`,
    `  repeat_interval: ${o.repeatInterval ?? '1h'}`,
    'receivers:',
    '  - name: webhook',
    '    webhook_configs:',
    `      - url: ${JSON.stringify(o.webhookUrl)}`,
    '        send_resolved: true',
    '',
  ].join('\n');
}

/** Starts the pair and waits until both serve and their gossip has settled with two members. */
export async function startAlertmanagerPair(options: AlertmanagerOptions): Promise<AlertmanagerPair> {
  const [bin] = provisionedPaths('alertmanager.sh');
  const dir = mkdtempSync(join(tmpdir(), 'fb-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, alertmanagerConfig(options));
  const web = [await freePort(), await freePort()] as const;
  const gossip = [await freePort(), await freePort()] as const;
  const urls: [string, string] = [`http://127.0.0.1:${web[0]}`, `http://127.0.0.1:${web[1]}`];
  const daemons: Daemon[] = [];
  const stop = async () => {
    await Promise.all(daemons.map((d) => stopProcess(d.proc)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const i of [0, 1] as const) {
      const storage = join(dir, `data-${i}`);
      mkdirSync(storage);
      const args = [`--config.file=${configFile}`, `--storage.path=${storage}`];
      args.push(
        `--web.listen-address=127.0.0.1:${web[i]}`,
        `--cluster.listen-address=127.0.0.1:${gossip[i]}`,
      );
      args.push(`--cluster.peer=127.0.0.1:${gossip[1 - i]}`, ...clusterTuning(options), '--log.level=warn');
      daemons.push(spawnDaemon(bin ?? 'alertmanager', args, join(dir, `alertmanager-${i}.log`)));
    }
    await Promise.all(
      daemons.map((d, i) => waitFor(`Alertmanager ${urls[i]}`, () => settled(urls[i] ?? ''), 60_000, d)),
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    urls,
    configFile,
    postAlerts: (alerts) => Promise.all(urls.map((u) => postAlerts(u, alerts))).then(() => undefined),
    stop,
  };
}

/** Fast gossip so the pair settles in about a second instead of Alertmanager's production minute. */
function clusterTuning(o: AlertmanagerOptions): string[] {
  return [
    '--cluster.gossip-interval=50ms',
    '--cluster.pushpull-interval=2s',
    '--cluster.settle-timeout=10s',
    `--cluster.peer-timeout=${o.peerTimeout ?? '1s'}`,
  ];
}

async function settled(url: string): Promise<boolean> {
  if (!(await httpOk(`${url}/-/ready`))) return false;
  const res = await fetch(`${url}/api/v2/status`, { signal: AbortSignal.timeout(2000) });
  const status = (await res.json()) as { cluster?: { status?: string; peers?: unknown[] } };
  return status.cluster?.status === 'ready' && (status.cluster.peers?.length ?? 0) === 2;
}

/** `POST /api/v2/alerts` to one instance. */
export async function postAlerts(url: string, alerts: PostableAlert[]): Promise<void> {
  const res = await fetch(`${url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok)
    throw new Error(`Alertmanager ${url} refused the alerts: HTTP ${res.status} ${await res.text()}`);
}

/** `amtool check-config <file>`: `ok` when Alertmanager would load the file, `output` says why not. */
export function amtoolCheckConfig(file: string): Promise<ToolCheck> {
  const [, amtool] = provisionedPaths('alertmanager.sh');
  return runCheck(amtool ?? 'amtool', ['check-config', file]);
}

/** `amtool alert add` against one instance, as an operator would; labels as `name=value`. */
export function amtoolAddAlert(
  url: string,
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): Promise<ToolCheck> {
  const [, amtool] = provisionedPaths('alertmanager.sh');
  const pairs = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}=${v}`);
  const args = ['alert', 'add', ...pairs(labels), `--alertmanager.url=${url}`];
  for (const a of pairs(annotations)) args.push(`--annotation=${a}`);
  return runCheck(amtool ?? 'amtool', args);
}
