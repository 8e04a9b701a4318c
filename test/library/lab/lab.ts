/**
 * The lab the library's runbooks run against end to end: one loopback sshd whose sessions get the
 * lab's PATH (the systemd and docker stand-ins first), passwordless sudo for the SSH user (as the
 * guides' operators have), and one supervisord running every service. Whatever a runbook does
 * over SSH lands on these real processes.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestUser, startSshd, type SshdFleet, type TestUser } from '../../support/services';
import { writeShims, type ComposeEnv } from './shims';
import { startSupervisor, type Program, type Supervisor } from './supervisor';

export interface Lab {
  root: string;
  user: TestUser;
  sshd: SshdFleet;
  /** Directory first on the PATH of the lab's SSH sessions (and of their sudo). */
  bin: string;
  supervisor: Supervisor;
  /** Every call of the systemctl stand-in so far: its arguments, in order. */
  systemctlCalls(): string[][];
  /** A directory owned by the SSH user. */
  dir(name: string): string;
  stop(): Promise<void>;
}

const SUDOERS = '/etc/sudoers.d/firebreak-lab';

/**
 * The SSH user may sudo without a password and keeps its PATH under sudo (so `sudo systemctl`
 * reaches the stand-in). Written once, checked with visudo; the file is only ever this content.
 */
function ensureSudo(user: TestUser): void {
  if (!existsSync('/usr/bin/sudo'))
    throw new Error('sudo is not installed (scripts/provision/system-packages.sh installs it)');
  const text = [
    `Defaults:${user.name} !secure_path, !use_pty, !requiretty`,
    `${user.name} ALL=(ALL) NOPASSWD: ALL`,
    '',
  ].join('\n');
  const tmp = `${SUDOERS}.${process.pid}.tmp`;
  mkdirSync('/etc/sudoers.d', { recursive: true });
  writeFileSync(tmp, text, { mode: 0o440 });
  execFileSync('visudo', ['-c', '-q', '-f', tmp]);
  execFileSync('mv', ['-f', tmp, SUDOERS]);
}

export interface LabSpec {
  programs: Program[];
  composeEnv?: ComposeEnv;
}

/** What a lab's builder gets: its root, the SSH user, and directories owned by that user. */
export interface LabContext {
  root: string;
  user: TestUser;
  bin: string;
  dir(name: string): string;
}

/**
 * Starts the lab: `build` creates the services' files under the root and says which programs
 * supervisord runs; then supervisord, the stand-ins and sshd start.
 */
export async function startLab(build: (ctx: LabContext) => Promise<LabSpec>): Promise<Lab> {
  const user = ensureTestUser();
  ensureSudo(user);
  const root = mkdtempSync(join(tmpdir(), 'fb-lab-'));
  chmodSync(root, 0o755);
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const dir = (name: string) => {
    const d = join(root, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const own = () => execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, root]);
  let spec: LabSpec;
  try {
    spec = await build({ root, user, bin, dir });
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  own();
  const supervisor = await startSupervisor(dir('supervisor'), user, spec.programs);
  const calls = join(root, 'systemctl.calls');
  // Written by the SSH user and by root (sudo systemctl).
  writeFileSync(calls, '');
  chmodSync(calls, 0o666);
  writeShims(bin, supervisor.config, spec.composeEnv ?? {}, calls);
  own();
  const path = `${bin}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`;
  const sshd = await startSshd(1, [`SetEnv PATH=${path}`]);
  return {
    root,
    user,
    sshd,
    bin,
    supervisor,
    systemctlCalls: () =>
      readFileSync(calls, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').slice(0, -1)),
    dir: (name) => {
      const d = dir(name);
      execFileSync('chown', [`${user.uid}:${user.gid}`, d]);
      return d;
    },
    async stop() {
      await sshd.stop();
      await supervisor.stop();
      // FB_KEEP_LAB=1 keeps supervisord.log and the programs' logs to look at after a failure.
      if (process.env.FB_KEEP_LAB) process.stderr.write(`lab kept at ${root}\n`);
      else rmSync(root, { recursive: true, force: true });
    },
  };
}
