/**
 * `firebreak alert fire <example-file-or-name> [--url URL] [--resolved] [--fingerprint FP] [--json]`
 * posts an Alertmanager webhook payload to the intake (demo and smoke test); `firebreak alert list`
 * shows the bundled examples (examples/alerts/*.json).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { repoRoot } from '../../services/config/paths';
import * as path from 'node:path';
import { loadConfig } from '../../services/config';
import { UsageError, parseArgs } from './args';
import type { CliIO } from './io';
import { EXIT } from './io';

const USAGE = `usage: firebreak alert <subcommand>

  fire <file-or-name> [--url URL] [--resolved] [--fingerprint FP] [--json]
      post an Alertmanager webhook (v4) to the intake; <name> is an example in examples/alerts/
      --url defaults to $FIREBREAK_PUBLIC_URL/v1/alerts/alertmanager; FIREBREAK_ALERT_TOKEN is sent as a bearer token
  list    the bundled example alerts
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

export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    const args = parseArgs(rest, ['url', 'fingerprint'], ['resolved', 'json']);
    switch (sub) {
      case 'list': {
        const dir = examplesDir();
        const files = existsSync(dir)
          ? readdirSync(dir)
              .filter((f) => f.endsWith('.json'))
              .sort()
          : [];
        io.out(
          files.length
            ? files.map((f) => `  ${f.replace(/\.json$/, '')}`).join('\n')
            : `no examples in ${dir}`,
        );
        return EXIT.ok;
      }
      case 'fire': {
        const which = args.positional[0];
        if (!which) throw new UsageError('alert fire needs an example name or a JSON file');
        const file = resolveExample(which, io.cwd);
        let payload: Record<string, unknown>;
        try {
          payload = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        } catch (err) {
          io.err(`firebreak alert: ${file} is not valid JSON: ${(err as Error).message}`);
          return EXIT.failed;
        }
        if (args.flags.resolved === true) resolvePayload(payload, new Date().toISOString());
        const fp = args.flags.fingerprint;
        if (typeof fp === 'string' && Array.isArray(payload.alerts)) {
          for (const a of payload.alerts as Record<string, unknown>[]) a.fingerprint = fp;
        }
        const config = loadConfig(io.env);
        const url =
          typeof args.flags.url === 'string'
            ? args.flags.url
            : `${config.intake.publicUrl}/v1/alerts/alertmanager`;
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
          io.err(
            `firebreak alert: cannot reach the intake at ${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message} (is \`firebreak start\` running?)`,
          );
          return EXIT.failed;
        }
        const text = await res.text();
        if (args.flags.json === true) io.out(text);
        if (!res.ok) {
          io.err(`firebreak alert: intake answered ${res.status}: ${text}`);
          return EXIT.failed;
        }
        if (args.flags.json !== true) {
          const body = JSON.parse(text) as {
            incidents: { id: string; action?: string; deduplicated: boolean }[];
            unmatched: { alertname?: string }[];
          };
          for (const i of body.incidents)
            io.out(`${i.action ?? (i.deduplicated ? 'signalled' : 'started')}: ${i.id}`);
          for (const u of body.unmatched)
            io.out(`unmatched: ${u.alertname ?? '(no alertname)'} — no runbook triggers on it`);
        }
        return EXIT.ok;
      }
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
