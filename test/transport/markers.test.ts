/**
 * Issue #15, finding 2: command output cannot choose which process group is killed. Against a real
 * sshd: a command that prints a forged pgid marker (what an alert label echoed to stderr could do)
 * and then times out — the real command is killed, the forged group is left alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplicationFailure } from '@temporalio/common';
import { createCommandActivities } from '../../activities/commands';
import { createSshExecutor, type SshExecutor } from '../../services/transport/client';
import { startSshd, TEST_USER, type SshdFleet } from '../support/services';
import { input, sshConfig, target } from './helpers';

let fleet: SshdFleet;
let work: string;
let executor: SshExecutor;
const victims: ChildProcess[] = [];

beforeAll(async () => {
  fleet = await startSshd(1);
  work = mkdtempSync(join(tmpdir(), 'fb-markers-'));
  chmodSync(work, 0o777);
});
afterAll(async () => {
  for (const v of victims) if (v.exitCode === null && v.pid) process.kill(-v.pid, 'SIGKILL');
  await executor?.close();
  await fleet?.stop();
  rmSync(work, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/** A process group of the test user's, unrelated to any command: what a forged marker names. */
function victimGroup(): number {
  const v = spawn('sleep', ['300'], {
    detached: true,
    stdio: 'ignore',
    uid: fleet.user.uid,
    gid: fleet.user.gid,
  });
  victims.push(v);
  if (!v.pid) throw new Error('could not start the victim process');
  return v.pid;
}

async function timesOut(command: string, warm = false): Promise<ApplicationFailure> {
  const ssh = sshConfig({ knownHostsFile: fleet.knownHostsFile, privateKeyFile: fleet.clientKeyFile });
  executor ??= createSshExecutor({ ssh });
  const acts = createCommandActivities({
    config: { home: work, ssh, inventory: {}, secrets: {} },
    transports: { ssh: executor },
  });
  const host = `127.0.0.1:${fleet.instances[0]!.port}`;
  // A command that completes first: the connection learns its login shell is /bin/sh, and the
  // timed-out command then runs as the exec request itself, without `exec /bin/sh -c`.
  if (warm)
    await acts.runCommand(
      input('true', { target: target({ transport: 'ssh', hosts: [host], user: TEST_USER }) }),
    );
  try {
    await acts.runCommand(
      input(command, {
        target: target({ transport: 'ssh', hosts: [host], user: TEST_USER }),
        timeoutMs: 1500,
      }),
    );
  } catch (e) {
    return e as ApplicationFailure;
  }
  throw new Error('the command was expected to time out');
}

describe('process-group markers over a real sshd', () => {
  test.each([
    ['a bare forged marker', (pg: number) => `\\036FB pgid=${pg}`, false],
    ['a forged marker shaped like a nonce', (pg: number) => `\\036FB ${'0'.repeat(32)} pgid=${pg}`, false],
    [
      'a forged marker on a warm connection (no second shell)',
      (pg: number) => `\\036FB ${'0'.repeat(32)} pgid=${pg} login=sh`,
      true,
    ],
  ])(
    'a command printing %s, then timing out, is killed itself and the forged group is untouched',
    async (_what, forged, warm) => {
      const victim = victimGroup();
      const pidFile = join(work, `real-${victim}.pid`);
      const err = await timesOut(
        `printf '${forged(victim)}\\n' >&2; sleep 30 & echo $! > ${pidFile}; wait`,
        warm,
      );
      expect(err.type).toBe('CommandTimeout');
      const real = Number(readFileSync(pidFile, 'utf8').trim());
      expect(real).toBeGreaterThan(1);
      expect(await gone(real)).toBe(true);
      expect(alive(victim)).toBe(true);
    },
  );
});
