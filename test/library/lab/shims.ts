/**
 * Stand-ins for the two things this machine cannot run: systemd (the test container has no init)
 * and a Docker engine; and supervisorctl pointed at the lab's supervisord as Debian's is at its own. Both are thin translations onto the lab's real supervisord, so a runbook's
 * `systemctl restart qcat` or `docker compose restart postgres` really stops and starts the real
 * process behind it; `docker compose exec -T <service> …` runs the command on the host with the
 * environment that reaches that service's real server (as the container's own socket would).
 * They sit first on the PATH sshd gives the lab's SSH sessions (sudo keeps that PATH).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `docker compose exec -T <service>` gets as its environment (e.g. PGHOST/PGPORT). */
export type ComposeEnv = Record<string, Record<string, string>>;

function systemctl(conf: string): string {
  return `#!/bin/sh
# Lab stand-in for systemctl: each unit is the supervisord program of the same name.
ctl() { supervisorctl -c '${conf}' "$@"; }
verb=; quiet=; prop=; units=
while [ $# -gt 0 ]; do
  case "$1" in
    --quiet|-q) quiet=1;; --value|--no-pager|--lines=*|-n|--) ;;
    -p) prop=$2; shift;;
    -*) ;;
    *) if [ -z "$verb" ]; then verb=$1; else units="$units \${1%.service}"; fi;;
  esac
  shift
done
rc=0
for u in $units; do
  st=$(ctl status "$u" 2>&1)
  case "$st" in *"no such process"*|*ERROR*) echo "Unit $u.service could not be found." >&2; exit 4;; esac
  case "$verb" in
    restart|start|stop) ctl "$verb" "$u" >/dev/null; st=$(ctl status "$u" 2>&1)
      case "$verb:$st" in restart:*RUNNING*|start:*RUNNING*|stop:*) ;; *) echo "Job for $u.service failed." >&2; rc=1;; esac;;
    is-active) case "$st" in *RUNNING*) [ -n "$quiet" ] || echo active;; *) [ -n "$quiet" ] || echo inactive; rc=3;; esac;;
    show) [ "$prop" = MainPID ] && ctl pid "$u";;
    status)
      pid=$(ctl pid "$u")
      case "$st" in
        *RUNNING*) printf '● %s.service\\n     Active: active (running)\\n   Main PID: %s\\n' "$u" "$pid";;
        *) printf '● %s.service\\n     Active: failed (Result: exit-code)\\n' "$u"; rc=3;;
      esac;;
  esac
done
exit $rc
`;
}

function composeExecEnv(env: ComposeEnv): string {
  return Object.entries(env)
    .map(
      ([svc, vars]) =>
        `    ${svc}) ${Object.entries(vars)
          .map(([k, v]) => `export ${k}='${v}'`)
          .join('; ')};;`,
    )
    .join('\n');
}

function docker(conf: string, env: ComposeEnv): string {
  return `#!/bin/sh
# Lab stand-in for the docker CLI with the compose v2 plugin: compose services are the supervisord
# programs named compose-<service>; exec runs the command here with that service's environment.
ctl() { supervisorctl -c '${conf}' "$@"; }
[ "$1" = version ] && { echo "lab"; exit 0; }
[ "$1" = system ] && [ "$2" = prune ] && { echo "Total reclaimed space: 0B"; exit 0; }
[ "$1" = compose ] || { echo "lab docker: only compose is available" >&2; exit 1; }
shift
while [ $# -gt 0 ]; do case "$1" in --file=*|--project-directory=*) shift;; -f|--file|--project-directory) shift 2;; *) break;; esac; done
cmd=$1; shift
case "$cmd" in
  version) echo "Docker Compose version v2-lab";;
  ps)
    if [ "$1" = --services ]; then ctl status | awk '$2 == "RUNNING" && $1 ~ /^compose-/ { sub("^compose-", "", $1); print $1 }'
    else ctl status | awk '$1 ~ /^compose-/ { sub("^compose-", "", $1); print }'; fi;;
  restart) for s in "$@"; do ctl restart "compose-$s" >/dev/null || exit 1; done;;
  up) [ "$1" = -d ] && shift; for s in "$@"; do ctl start "compose-$s" >/dev/null; done;;
  logs) while [ $# -gt 1 ]; do shift; done; ctl tail "compose-$1" 2>&1 | tail -n 50;;
  exec)
    [ "$1" = -T ] && shift
    svc=$1; shift
    case "$svc" in
${composeExecEnv(env)}
    esac
    exec "$@";;
  *) echo "lab docker compose: $cmd is not emulated" >&2; exit 1;;
esac
`;
}

/** Debian's supervisorctl reads /etc/supervisor/supervisord.conf; the lab's reads the lab's. */
function supervisorctl(conf: string): string {
  return `#!/bin/sh
[ "$1" = -c ] && exec /usr/bin/supervisorctl "$@"
exec /usr/bin/supervisorctl -c '${conf}' "$@"
`;
}

/** Writes `systemctl`, `docker` and `supervisorctl` into `bin`, bound to the lab's supervisord. */
export function writeShims(bin: string, supervisorConf: string, composeEnv: ComposeEnv): void {
  const put = (name: string, text: string) => {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  };
  put('systemctl', systemctl(supervisorConf));
  put('docker', docker(supervisorConf, composeEnv));
  put('supervisorctl', supervisorctl(supervisorConf));
}
