/** `firebreak alert unmatched`: the recent alerts no runbook matched, from the intake. */
import { loadConfig } from '../../services/config';
import type { UnmatchedEntry } from '../intake/unmatched';
import { UsageError } from './args';
import type { ParsedArgs } from './args';
import { ago, pad } from './incident-format';
import type { CliIO } from './io';
import { EXIT } from './io';

/** The intake's base URL: `--url`, else the configured public URL. */
function intakeBase(args: ParsedArgs, io: CliIO): string {
  const url = typeof args.flags.url === 'string' ? args.flags.url : loadConfig(io.env).intake.publicUrl;
  return url.replace(/\/+$/, '');
}

/** The table `firebreak alert unmatched` prints. */
export function unmatchedTable(alerts: UnmatchedEntry[], now = Date.now()): string {
  if (alerts.length === 0) return 'no unmatched alerts since the intake started';
  const rows = [['LAST SEEN', 'ALERT', 'FINGERPRINT', 'STATUS', 'DELIVERIES', 'ROUTED TO', 'LABELS']];
  for (const a of alerts)
    rows.push([
      ago(a.lastSeen, now),
      a.alertname ?? '(no alertname)',
      a.fingerprint,
      a.status,
      String(a.deliveries),
      a.caughtBy ?? '-',
      Object.entries(a.labels)
        .filter(([k]) => k !== 'alertname')
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ]);
  return pad(rows);
}

export async function listUnmatched(args: ParsedArgs, io: CliIO): Promise<number> {
  const raw = args.flags.limit;
  const limit = typeof raw === 'string' ? Number(raw) : 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit must be 1..1000, got "${String(raw)}"`);
  const url = `${intakeBase(args, io)}/v1/alerts/unmatched?limit=${limit}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    const e = err as Error;
    throw new Error(
      `cannot reach the intake at ${url}: ${e.cause instanceof Error ? e.cause.message : e.message} (is \`firebreak start\` running?)`,
      { cause: err },
    );
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`intake answered ${res.status}: ${text}`);
  if (args.flags.json === true) io.out(text);
  else io.out(unmatchedTable((JSON.parse(text) as { alerts: UnmatchedEntry[] }).alerts));
  return EXIT.ok;
}
