/**
 * `firebreak alert fire <example-file-or-name> [--url URL] [--resolved] [--fingerprint FP] [--json]`
 * posts an Alertmanager webhook payload to the intake (demo and smoke test); `firebreak alert list`
 * shows the bundled examples (examples/alerts/*.json); `firebreak alert unmatched` lists the
 * recent alerts no runbook matched (GET /v1/alerts/unmatched).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { repoRoot } from '../../services/config/paths';
import * as path from 'node:path';
import { loadConfig } from '../../services/config';
import type { FirebreakConfig } from '../../services/config/types';
import { UsageError, parseArgs } from './args';
import type { ParsedArgs } from './args';
import { demoLogDir, seedDemoLogs } from './demo-logs';
import type { CliIO } from './io';
import { EXIT } from './io';
import { listUnmatched } from './unmatched';

const USAGE = `usage: firebreak alert <subcommand>

  fire <file-or-name> [--url URL] [--resolved] [--fingerprint FP] [--no-seed] [--json]
      post an Alertmanager webhook (v4) to the intake; <name> is an example in examples/alerts/
      --url defaults to $FIREBREAK_PUBLIC_URL/v1/alerts/alertmanager; FIREBREAK_ALERT_TOKEN is sent as a bearer token
      the "demo" example first seeds $FIREBREAK_HOME/demo/logs with stale logs (--no-seed: don't)
  list    the bundled example alerts
  unmatched [--url INTAKE_URL] [--limit N] [--json]
      the recent alerts no runbook matched, as the intake saw them
`;

/** The bundled example alerts (`examples/alerts/` at the repository root). */
export function examplesDir(): string {
  return path.join(repoRoot(), 'examples', 'alerts');
}

function resolveExample(arg: string, cwd: string): string {
  const direct = path.resolve(cwd, arg);
  if (existsSync(direct)) return direct;
  const dir = examplesDir();
  for (const name of [arg, `${arg}.json`]) {
    const f = path.join(dir, name);
    if (existsSync(f)) return f;
  }
  throw new UsageError(`no such alert file or example "${arg}" (see \`firebreak alert list\`)`);
}

/** Flip a payload to resolved (what Alertmanager sends once the alert clears). */
function resolvePayload(p: Record<string, unknown>, now: string): void {
  p.status = 'resolved';
  if (Array.isArray(p.alerts)) {
    for (const a of p.alerts as Record<string, unknown>[]) {
      a.status = 'resolved';
      a.endsAt = now;
    }
  }
}

function listExamples(io: CliIO): number {
  const dir = examplesDir();
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
  io.out(
    files.length ? files.map((f) => `  ${f.replace(/\.json$/, '')}`).join('\n') : `no examples in ${dir}`,
  );
  return EXIT.ok;
}

/**
 * The demo alert finds its stale logs only if they are there: a previous demo cleaned them, so
 * firing it again re-seeds the engine's demo directory first (the README's loop by hand).
 */
function seedForDemo(file: string, args: ParsedArgs, config: FirebreakConfig, io: CliIO): void {
  const isDemo = file === path.join(examplesDir(), 'demo.json');
  if (!isDemo || args.flags.resolved === true || args.flags['no-seed'] === true) return;
  const dir = demoLogDir(config);
  seedDemoLogs(dir);
  io.out(`seeded ${dir} with three stale logs (the demo runbook's cleanup target)`);
}

function readPayload(file: string, args: ParsedArgs): Record<string, unknown> {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (args.flags.resolved === true) resolvePayload(payload, new Date().toISOString());
  const fp = args.flags.fingerprint;
  if (typeof fp === 'string' && Array.isArray(payload.alerts)) {
    for (const a of payload.alerts as Record<string, unknown>[]) a.fingerprint = fp;
  }
  return payload;
}

/** What the intake's 202 says, one line per incident and per unmatched alert. */
function printAccepted(text: string, io: CliIO): void {
  const body = JSON.parse(text) as {
    incidents: { id: string; action?: string; deduplicated: boolean }[];
    unmatched: { alertname?: string; caughtBy?: string }[];
  };
  for (const i of body.incidents)
    io.out(`${i.action ?? (i.deduplicated ? 'signalled' : 'started')}: ${i.id}`);
  for (const u of body.unmatched)
    io.out(
      `unmatched: ${u.alertname ?? '(no alertname)'} — no runbook triggers on it${u.caughtBy ? ` (routed to the catch-all runbook ${u.caughtBy})` : ''}`,
    );
}

async function fire(args: ParsedArgs, io: CliIO): Promise<number> {
  const which = args.positional[0];
  if (!which) throw new UsageError('alert fire needs an example name or a JSON file');
  const file = resolveExample(which, io.cwd);
  const payload = readPayload(file, args);
  const config = loadConfig(io.env);
  const url =
    typeof args.flags.url === 'string' ? args.flags.url : `${config.intake.publicUrl}/v1/alerts/alertmanager`;
  seedForDemo(file, args, config, io);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.intake.alertToken) headers.authorization = `Bearer ${config.intake.alertToken}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new Error(
      `cannot reach the intake at ${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message} (is \`firebreak start\` running?)`,
      { cause: err },
    );
  }
  const text = await res.text();
  if (args.flags.json === true) io.out(text);
  if (!res.ok) throw new Error(`intake answered ${res.status}: ${text}`);
  if (args.flags.json !== true) printAccepted(text, io);
  return EXIT.ok;
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    const args = parseArgs(rest, ['url', 'fingerprint', 'limit'], ['resolved', 'json', 'no-seed']);
    switch (sub) {
      case 'list':
        return listExamples(io);
      case 'fire':
        return await fire(args, io);
      case 'unmatched':
        return await listUnmatched(args, io);
      default:
        throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand');
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`firebreak alert: ${err.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    io.err(`firebreak alert: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  }
}
