/**
 * `service.restart`: restart (or bring up) one service, or several in order, under systemd, Docker
 * Compose (v2 plugin or v1 docker-compose, detected on the target), supervisor or a custom
 * command, and confirm each is running before the next starts. Several services are one step, so
 * a staged start (seed 001: nats, then clickhouse, then python-collector, 10 s apart) is one
 * approval for the whole sequence.
 */
import { composeCli } from './compose';
import {
  assign,
  command,
  DURATION_PATTERN,
  raw,
  requireName,
  seconds,
  template,
  word,
  type Piece,
} from './shell';
import type { ActionDefinition, BuiltCommand } from './types';

type Manager = 'systemd' | 'compose' | 'supervisor' | 'custom';

/** The services, in order: `service` or `services`, exactly one of them. */
function serviceList(p: Record<string, unknown>): string[] {
  const one = p.service as string | undefined;
  const many = p.services as string[] | undefined;
  if ((one === undefined) === (many === undefined))
    throw new Error('give exactly one of service (a name) or services (names, in start order)');
  return one !== undefined ? [one] : many!;
}

/** `set -- 'a' 'b'`, then every name checked before anything is touched. */
function servicesPrologue(names: string[]): Piece[] {
  const out: Piece[] = [raw('set --')];
  for (const n of names) out.push(raw(' '), word(n));
  out.push(raw('\nfor svc in "$@"; do\n'), requireName('svc', 'service name'), raw('done\n'));
  return out;
}

/** Between two services of a sequence: let the previous one settle first. */
function settleLine(settleS: number): string {
  return settleS > 0 ? `  [ "$n" -gt 0 ] && sleep ${settleS}\n  n=$((n+1))\n` : '';
}

function systemd(names: string[], mode: string, settleS: number): Piece[] {
  const verb = mode === 'up' ? 'start' : 'restart';
  return [
    ...servicesPrologue(names),
    raw(`n=0\nfor svc in "$@"; do\n${settleLine(settleS)}`),
    raw(`  systemctl ${verb} -- "$svc" || { echo "systemctl ${verb} $svc failed" >&2; exit 1; }\n`),
    raw(
      '  systemctl is-active --quiet -- "$svc" || { echo "$svc is not active after ' +
        verb +
        '" >&2; exit 1; }\n',
    ),
    raw('  echo "running=$svc"\ndone'),
  ];
}

/**
 * Brings one supervisor program up. Once whatever made it fail (a stale process holding its port)
 * is gone, the program may still be in BACKOFF, waiting for supervisord's next retry, or STARTING
 * from that retry: `supervisorctl start` refuses both ("ERROR (already started)") and a status
 * right after still is not RUNNING. So wait out STARTING/STOPPING, stop a BACKOFF program (it has
 * no process: straight to STOPPED, retries reset), then start it; bounded at about 120 s.
 */
function supervisorUp(ctl: string): string {
  return (
    '  t=0\n  while :; do\n' +
    `    st=$(${ctl} status "$svc" 2>&1)\n` +
    '    case "$st" in\n' +
    '      *RUNNING*) break;;\n' +
    '      *STARTING*|*STOPPING*) [ "$t" -lt 120 ] || break; t=$((t+1)); sleep 1;;\n' +
    `      *BACKOFF*) [ "$t" -lt 120 ] || break; t=$((t+1)); ${ctl} stop "$svc" || sleep 1;;\n` +
    `      *) ${ctl} start "$svc"; break;;\n` +
    '    esac\n  done\n'
  );
}

function supervisor(names: string[], mode: string, settleS: number, conf?: string): Piece[] {
  const ctl = conf !== undefined ? 'supervisorctl -c "$conf"' : 'supervisorctl';
  // supervisorctl's exit status is unreliable across versions (restarting a stopped program
  // "fails" its stop half); the RUNNING state afterwards is what counts.
  const act = mode === 'up' ? supervisorUp(ctl) : `  ${ctl} restart "$svc"\n`;
  return [
    ...assign({ conf }),
    ...servicesPrologue(names),
    raw(`n=0\nfor svc in "$@"; do\n${settleLine(settleS)}${act}`),
    raw(
      `  st=$(${ctl} status "$svc" 2>&1)\n` +
        '  case "$st" in *RUNNING*) echo "running=$svc";; *) printf \'%s is not running: %s\\n\' "$svc" "$st" >&2; exit 1;; esac\ndone',
    ),
  ];
}

function compose(
  names: string[],
  mode: string,
  settleS: number,
  project: { project_dir?: string; file?: string },
): Piece[] {
  const verb = mode === 'up' ? 'up -d' : 'restart';
  return [
    ...composeCli(project),
    ...servicesPrologue(names),
    raw(`n=0\nfor svc in "$@"; do\n${settleLine(settleS)}`),
    raw(`  dc ${verb} "$svc" || { echo "compose ${verb} $svc failed" >&2; exit 1; }\n`),
    // Each service must be running before the next one starts (a dead NATS stops the sequence).
    raw(
      '  running=$(dc ps --services --filter status=running) || { echo "compose ps failed" >&2; exit 1; }\n',
    ),
    raw(
      '  printf \'%s\\n\' "$running" | grep -qxF -- "$svc" || { echo "$svc is not running after ' +
        verb +
        '" >&2; exit 1; }\n',
    ),
    raw('  echo "running=$svc"\ndone'),
  ];
}

export const serviceRestart: ActionDefinition = {
  name: 'service.restart',
  description:
    'Restart (or bring up) a service, or several in order, and confirm each is running before the next.',
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      service: {
        type: 'string',
        minLength: 1,
        description: 'Unit, compose service or supervisor program name.',
      },
      services: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description: 'Several services, restarted in this order, one approval for the sequence.',
      },
      manager: {
        enum: ['systemd', 'compose', 'supervisor', 'custom'],
        default: 'systemd',
        description: 'Which process manager runs the service.',
      },
      mode: {
        enum: ['restart', 'up'],
        default: 'restart',
        description:
          'restart, or up: start what is not running (compose `up -d`, `systemctl start`, `supervisorctl start`).',
      },
      settle: {
        type: 'string',
        pattern: DURATION_PATTERN,
        description: 'Wait between services of a sequence (default 10s for compose, as seed 001; else 0s).',
      },
      project_dir: { type: 'string', description: 'compose: directory holding the compose project.' },
      compose_file: { type: 'string', description: 'compose: compose file (default: the project default).' },
      config: {
        type: 'string',
        description:
          "supervisor: supervisord config file passed to supervisorctl -c (without it supervisorctl runs under sudo: Debian's socket is root-only).",
      },
      command: { type: 'string', description: 'custom: the restart command (runbook author shell text).' },
    },
  },
  build(p) {
    const manager = String(p.manager ?? 'systemd') as Manager;
    if (manager === 'custom') {
      return {
        command: command(
          ...assign({ svc: p.service as string | undefined }),
          template(String(p.command ?? 'false')),
        ),
        extract: [],
      };
    }
    const names = serviceList(p);
    const mode = String(p.mode ?? 'restart');
    const settleS = p.settle !== undefined ? seconds(String(p.settle), 0) : manager === 'compose' ? 10 : 0;
    const built: BuiltCommand = { command: command(), extract: [] };
    if (manager === 'compose') {
      const project = {
        ...(p.project_dir !== undefined ? { project_dir: String(p.project_dir) } : {}),
        ...(p.compose_file !== undefined ? { file: String(p.compose_file) } : {}),
      };
      built.command = command(...compose(names, mode, settleS, project));
    } else if (manager === 'supervisor') {
      const conf = p.config as string | undefined;
      built.command = command(...supervisor(names, mode, settleS, conf));
      built.sudo = conf === undefined;
    } else {
      built.command = command(...systemd(names, mode, settleS));
      built.sudo = true;
    }
    // A sequence takes its settle time plus up to two minutes per service to come up.
    built.timeoutMs = Math.max(300_000, names.length * (settleS * 1000 + 120_000));
    return built;
  },
};
