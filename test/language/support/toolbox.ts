/**
 * A directory of stand-in commands put first on PATH, so a built-in's rendered command runs through
 * the real /bin/sh while every tool it calls records its argv (and, for database clients, its
 * password variable and stdin) in a log the test reads back. Stand-ins answer like the real tools
 * where the command needs an answer (PONG, OK, RUNNING, a compose `ps` of what was started);
 * recording wrappers (`find`, `df`, `pgrep`, `tar`, …) record, then run the real binary.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One recorded call: the tool's name, its arguments, and what it saw. */
export interface ToolCall {
  tool: string;
  args: string[];
  /** PGPASSWORD or REDISCLI_AUTH as the client saw it. */
  password?: string;
  stdin?: string;
}

export interface Toolbox {
  dir: string;
  bin: string;
  calls(): ToolCall[];
  /** Runs a shell command with the toolbox first on PATH; `env` adds variables. */
  sh(
    cmd: string,
    env?: Record<string, string>,
    stdin?: string,
  ): Promise<{ status: number | null; stdout: string; stderr: string }>;
  remove(): void;
}

const RECORD = `rec() {
  { printf '%s\\037' "$@"; printf '\\036'; } >>"$FAKE_DIR/calls"
}
`;

/** compose v2 (`docker compose …`) and v1 (`docker-compose …`) share one implementation. */
const COMPOSE = `compose() {
  while [ $# -gt 0 ]; do case "$1" in --file=*|--project-directory=*) shift;; -f|--file) shift 2;; *) break;; esac; done
  case "$1" in
    version) echo "Docker Compose version fake"; return 0;;
    up|restart)
      verb=$1; shift; [ "$1" = -d ] && shift
      case " $FAKE_COMPOSE_FAIL " in *" $1 "*) echo "fake: $1 failed to start" >&2; return 0;; esac
      echo "$1" >>"$FAKE_DIR/running"; return 0;;
    ps) cat "$FAKE_DIR/running" 2>/dev/null; return 0;;
    exec)
      shift; [ "$1" = -T ] && shift; shift
      exec "$@";;
    *) return 0;;
  esac
}
`;

const STANDINS: Record<string, string> = {
  docker: `${RECORD}${COMPOSE}rec docker "$@"
if [ "$1" = compose ]; then
  [ "$FAKE_COMPOSE_V2" = 1 ] || { echo "docker: 'compose' is not a docker command." >&2; exit 1; }
  shift; compose "$@"; exit $?
fi
exit 0
`,
  'docker-compose': `${RECORD}${COMPOSE}rec docker-compose "$@"
compose "$@"
`,
  systemctl: `${RECORD}rec systemctl "$@"
case "$1" in is-active) for u in "$@"; do case " $FAKE_INACTIVE " in *" $u "*) exit 3;; esac; done;; esac
exit 0
`,
  supervisorctl: `${RECORD}rec supervisorctl "$@"
for a in "$@"; do last=$a; done
case "$*" in *status*) echo "$last                     RUNNING   pid 4242, uptime 0:00:02";; esac
exit 0
`,
  psql: `${RECORD}input=$(cat)
rec psql "$@" "PGPASSWORD=$PGPASSWORD" "STDIN=$input"
printf '%s' "$FAKE_PSQL_OUT"
exit 0
`,
  'redis-cli': `${RECORD}rec redis-cli "$@" "REDISCLI_AUTH=$REDISCLI_AUTH"
for a in "$@"; do case "$a" in
  ping) echo PONG; exit 0;;
  flushdb) echo OK; exit 0;;
  eval) printf '0\\n3\\n'; exit 0;;
  info) echo "used_memory:1000"; exit 0;;
  set) echo OK; exit 0;;
  get) printf '1) "param"\\n2) "%s"\\n' "$FAKE_REDIS_VALUE"; exit 0;;
esac; done
exit 0
`,
  curl: `${RECORD}rec curl "$@"
printf 200
exit 0
`,
  sleep: `${RECORD}rec sleep "$@"
exit 0
`,
  journalctl: `${RECORD}rec journalctl "$@"
exit 0
`,
};

const WRAPPED = ['find', 'df', 'pgrep', 'tar', 'ln', 'mv', 'readlink', 'ss', 'netstat', 'mkdir', 'rm'];

export function makeToolbox(opts: { only?: string[]; without?: string[] } = {}): Toolbox {
  const dir = mkdtempSync(join(tmpdir(), 'fb-toolbox-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const write = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}`);
    chmodSync(join(bin, name), 0o755);
  };
  for (const [name, body] of Object.entries(STANDINS)) {
    if (opts.without?.includes(name) || (opts.only && !opts.only.includes(name))) continue;
    write(name, body);
  }
  for (const name of WRAPPED) {
    const real = ['/usr/bin', '/bin', '/usr/sbin', '/sbin']
      .map((d) => join(d, name))
      .find((p) => existsSync(p));
    if (real) write(name, `${RECORD}rec ${name} "$@"\nexec ${real} "$@"\n`);
  }
  return {
    dir,
    bin,
    calls() {
      const file = join(dir, 'calls');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\x1e')
        .filter((r) => r !== '')
        .map((r) => {
          const words = r.split('\x1f').slice(0, -1);
          const call: ToolCall = { tool: words[0] ?? '', args: words.slice(1) };
          const pw = call.args.findIndex((a) => /^(PGPASSWORD|REDISCLI_AUTH)=/.test(a));
          if (pw >= 0) {
            call.password = call.args[pw]!.replace(/^[A-Z_]+=/, '');
            const rest = call.args.splice(pw);
            const input = rest.find((a) => a.startsWith('STDIN='));
            if (input !== undefined) call.stdin = input.slice('STDIN='.length);
          }
          return call;
        });
    },
    sh(cmd, env = {}, stdin) {
      return new Promise((resolve, reject) => {
        const child = spawn('/bin/sh', ['-c', cmd], {
          stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
          env: {
            PATH: `${bin}:/usr/bin:/bin:/usr/sbin:/sbin`,
            HOME: dir,
            FAKE_DIR: dir,
            LANG: 'C.UTF-8',
            ...env,
          },
        });
        if (stdin !== undefined) child.stdin?.end(stdin);
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('error', reject);
        child.on('close', (status) => {
          clearTimeout(timer);
          resolve({ status, stdout, stderr });
        });
      });
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
