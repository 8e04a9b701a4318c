/**
 * The lab's process manager: one real supervisord, run as the SSH test user, supervising every
 * service the runbooks act on (PostgreSQL and Redis servers, the stand-ins for the guides' own
 * programs). systemd units and compose services are its programs (see shims.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopProcess, type TestUser } from '../../support/services';

/** One supervised program. */
export interface Program {
  name: string;
  command: string;
  directory: string;
  /** Started with supervisord (default true). */
  autostart?: boolean;
  /** Seconds it must stay up to count as started (default 1). */
  startsecs?: number;
  /** Signal that stops it (default TERM; PostgreSQL wants INT for a fast shutdown). */
  stopsignal?: string;
}

export interface Supervisor {
  config: string;
  ctl(...args: string[]): string;
  /** The program's pid, 0 when it is not running. */
  pid(name: string): number;
  /** Resolves once `ready()` holds for the program (or throws after `timeoutMs`). */
  waitRunning(name: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function programSection(p: Program, dir: string): string[] {
  return [
    `[program:${p.name}]`,
    `command=${p.command}`,
    `directory=${p.directory}`,
    `autostart=${p.autostart === false ? 'false' : 'true'}`,
    'autorestart=false',
    `startsecs=${p.startsecs ?? 1}`,
    `stopsignal=${p.stopsignal ?? 'TERM'}`,
    'stopasgroup=true',
    'killasgroup=true',
    `stdout_logfile=${join(dir, `${p.name}.out.log`)}`,
    'redirect_stderr=true',
    '',
  ];
}

export async function startSupervisor(dir: string, user: TestUser, programs: Program[]): Promise<Supervisor> {
  const config = join(dir, 'supervisord.conf');
  const sock = join(dir, 'supervisor.sock');
  const lines = [
    '[unix_http_server]',
    `file=${sock}`,
    'chmod=0700',
    '[supervisord]',
    'nodaemon=true',
    `logfile=${join(dir, 'supervisord.log')}`,
    `pidfile=${join(dir, 'supervisord.pid')}`,
    `childlogdir=${dir}`,
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '[supervisorctl]',
    `serverurl=unix://${sock}`,
    '',
    ...programs.flatMap((p) => programSection(p, dir)),
  ];
  writeFileSync(config, lines.join('\n'));
  chownSync(config, user.uid, user.gid);
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: user.home, USER: user.name, LANG: 'C.UTF-8' };
  const proc: ChildProcess = spawn('/usr/bin/supervisord', ['-c', config], {
    uid: user.uid,
    gid: user.gid,
    env,
    cwd: dir,
    stdio: 'ignore',
  });
  const ctl = (...args: string[]) => {
    try {
      return execFileSync('supervisorctl', ['-c', config, ...args], { encoding: 'utf8' });
    } catch (e) {
      // supervisorctl exits non-zero for a stopped program's status; its output is still the answer.
      return String((e as { stdout?: string }).stdout ?? '');
    }
  };
  const pid = (name: string) => Number(ctl('pid', name).trim()) || 0;
  const waitRunning = async (name: string, timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs;
    while (!/RUNNING/.test(ctl('status', name))) {
      if (proc.exitCode !== null) throw new Error('supervisord exited');
      if (Date.now() > end) throw new Error(`${name} is not RUNNING: ${ctl('status', name)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { config, ctl, pid, waitRunning, stop: () => stopProcess(proc, 15_000) };
}
