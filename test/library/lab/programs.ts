/**
 * The lab's stand-ins for the guides' own programs, as supervisord programs: the stand-in script
 * copied into the lab, and interpreters named as the guide's processes are named (`qcat`,
 * `websocket-server`), so `pgrep -x qcat` and `systemctl show -p MainPID` see what they would.
 */
import { chmodSync, copyFileSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../support/services';
import type { LabContext } from './lab';
import type { Program } from './supervisor';

const STANDIN = join(__dirname, 'standin.py');

/** Paths of the stand-in script and the named interpreters in a lab. */
export interface Standins {
  script: string;
  /** The python interpreter under the name `name` (so the process's name is `name`). */
  named(name: string): string;
}

export function standins(ctx: LabContext): Standins {
  const libexec = ctx.dir('libexec');
  const script = join(ctx.root, 'standin.py');
  copyFileSync(STANDIN, script);
  const python = realpathSync('/usr/bin/python3');
  return {
    script,
    named(name) {
      const p = join(libexec, name);
      try {
        symlinkSync(python, p);
      } catch {
        // already there
      }
      return p;
    },
  };
}

/** A webctp gateway install (main.py = the stand-in, config_md/td.yaml, logs/) and its two apps. */
export async function webctpInstall(
  ctx: LabContext,
  s: Standins,
  name: string,
  opts: { mdProgram: string; tdProgram: string; mdAutostart?: boolean; config?: string },
): Promise<{ dir: string; mdPort: number; tdPort: number; programs: Program[] }> {
  const dir = ctx.dir(name);
  mkdirSync(join(dir, 'config'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  copyFileSync(s.script, join(dir, 'main.py'));
  const mdPort = await freePort();
  const tdPort = await freePort();
  for (const [app, port] of [
    ['md', mdPort],
    ['td', tdPort],
  ] as const)
    writeFileSync(
      join(dir, 'config', `config_${app}.yaml`),
      `Port: ${port}\nHost: 127.0.0.1\n${opts.config ?? ''}`,
    );
  const program = (app: 'md' | 'td', autostart: boolean): Program => ({
    name: app === 'md' ? opts.mdProgram : opts.tdProgram,
    command: `/usr/bin/python3 main.py --config=./config/config_${app}.yaml --app_type=${app}`,
    directory: dir,
    autostart,
  });
  return { dir, mdPort, tdPort, programs: [program('md', opts.mdAutostart ?? true), program('td', true)] };
}

/** A WebSocket data service stand-in: admin API, WebSocket port, app directory with logs and config. */
export async function websocketService(
  ctx: LabContext,
  s: Standins,
  name: string,
  extra: string[] = [],
  wrap?: (cmd: string) => string,
): Promise<{ dir: string; adminPort: number; wsPort: number; program: Program }> {
  const dir = ctx.dir(name);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'config'), { recursive: true });
  writeFileSync(
    join(dir, 'config', 'websocket_config.yaml'),
    'max_connections: 2000\nheartbeat: { interval: 30 }\n',
  );
  const adminPort = await freePort();
  const wsPort = await freePort();
  const cmd = `${s.named('websocket-server')} ${s.script} websocket --admin-port ${adminPort} --ws-port ${wsPort} ${extra.join(' ')}`;
  return { dir, adminPort, wsPort, program: { name, command: wrap ? wrap(cmd) : cmd, directory: dir } };
}

/** A QCAT stand-in on a free port, named `qcat`, and the `qcat` command's --validate. */
export async function qcatService(
  ctx: LabContext,
  s: Standins,
  name: string,
  autostart = true,
): Promise<{ port: number; program: Program }> {
  const port = await freePort();
  return {
    port,
    program: {
      name,
      command: `${s.named('qcat')} ${s.script} qcat --port ${port}`,
      directory: ctx.root,
      autostart,
    },
  };
}

/** `qcat --config <file> --validate` as the guide runs it: the config must be YAML. */
export function qcatCommand(ctx: LabContext): void {
  const file = join(ctx.bin, 'qcat');
  writeFileSync(
    file,
    `#!/bin/sh
config=
while [ $# -gt 0 ]; do case "$1" in --config) config=$2; shift;; --validate) validate=1;; esac; shift; done
[ -n "$validate" ] || { echo "qcat: only --validate is available here" >&2; exit 2; }
python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1])); print("configuration valid")' "$config"
`,
  );
  chmodSync(file, 0o755);
}

/** A plain HTTP service answering /health (Grafana, Prometheus, the QTE engine stand-ins). */
export async function httpService(
  ctx: LabContext,
  s: Standins,
  name: string,
  opts: { autostart?: boolean; healthFile?: string } = {},
): Promise<{ port: number; program: Program }> {
  const port = await freePort();
  const health = opts.healthFile ? ` --health-file ${opts.healthFile}` : '';
  return {
    port,
    program: {
      name,
      command: `/usr/bin/python3 ${s.script} http --port ${port}${health}`,
      directory: ctx.root,
      autostart: opts.autostart ?? true,
    },
  };
}
