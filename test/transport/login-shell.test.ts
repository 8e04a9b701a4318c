/**
 * The exec request without the second shell (issue #17): once the wrapper's first marker says the
 * connection's login shell is `/bin/sh`, later commands on that connection are the wrapper script
 * itself rather than `exec /bin/sh -c <wrapper>`. Against real sshd instances: same results, same
 * process-group kill on timeout, and the double form kept when the login shell is anything else.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandActivities } from '../../activities/commands';
import type { RunCommandInput } from '../../activities/types';
import { SecretStore } from '../../services/secrets';
import { createSshExecutor, type SshExecutor } from '../../services/transport/client';
import { startSshd, TEST_USER, type SshdFleet } from '../support/services';
import { alive, input, sshConfig, target } from './helpers';

let plain: SshdFleet;
let bashLogin: SshdFleet;
let work: string;
const executors: SshExecutor[] = [];

beforeAll(async () => {
  plain = await startSshd(1);
  // sshd's SetEnv overrides the SHELL it sets from the passwd entry: what a user whose login
  // shell is bash would see.
  bashLogin = await startSshd(1, ['SetEnv SHELL=/bin/bash']);
  work = mkdtempSync(join(tmpdir(), 'fb-login-shell-'));
  chmodSync(work, 0o777);
});
afterAll(async () => {
  await Promise.all(executors.map((e) => e.close()));
  await plain?.stop();
  await bashLogin?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function setup(fleet: SshdFleet) {
  const ssh = sshConfig({ knownHostsFile: fleet.knownHostsFile, privateKeyFile: fleet.clientKeyFile });
  const secrets = new SecretStore({ tok: { env: 'FB_LOGIN_TOK' } }, { FB_LOGIN_TOK: 'login-shell-secret' });
  const executor = createSshExecutor({ ssh, secrets });
  executors.push(executor);
  const acts = createCommandActivities({
    config: { home: work, ssh, inventory: {}, secrets: {} },
    transports: { ssh: executor },
    secrets,
  });
  const run = (command: string, over: Partial<RunCommandInput> = {}) =>
    acts.runCommand(
      input(command, {
        target: target({
          transport: 'ssh',
          hosts: [`127.0.0.1:${fleet.instances[0]!.port}`],
          user: TEST_USER,
        }),
        ...over,
      }),
    );
  return { executor, run };
}

/** The command's shell as the kernel started it: `/bin/sh` after an exec, `sh` as sshd's login shell. */
const ARGV0 = `tr '\\0' '\\n' < /proc/$$/cmdline | head -n 1`;

/** A command touching everything the wrapper sets up: stdin isolation, secret, env, cwd, stderr, exit code. */
const PROBE =
  'read -r x || x=none; echo "stdin=$x s=$FIREBREAK_SECRET_TOK e=$MODE pwd=$(pwd) leader=$([ "$(ps -o pgid= -p $$ | tr -d " ")" = "$$" ] && echo yes)"; ' +
  'echo to-stderr >&2; exit 3';
const PROBE_OPTS: Partial<RunCommandInput> = { secrets: ['tok'], env: { MODE: 'm' }, cwd: '/tmp' };

describe('the exec request on a connection whose login shell is /bin/sh', () => {
  test('after the first command, commands run in the login shell itself with the same results', async () => {
    const { executor, run } = setup(plain);
    const first = (await run(ARGV0)).hosts[0]!;
    const second = (await run(ARGV0)).hosts[0]!;
    expect(first.stdout).toBe('/bin/sh\n');
    expect(second.stdout).toBe('sh\n');
    // Whichever form ran it, a command sees the same $0 (and the shell's errors the same prefix).
    const errs = (await run('echo "$0"; no-such-command-fb')).hosts[0]!;
    const errsFresh = (await setup(plain).run('echo "$0"; no-such-command-fb')).hosts[0]!;
    expect(errs.stdout).toBe('sh\n');
    expect(errs.stderr).toMatch(/^sh: \d+: no-such-command-fb: not found\n$/);
    expect({ ...errsFresh, durationMs: 0 }).toEqual({ ...errs, durationMs: 0 });
    const direct = (await run(PROBE, PROBE_OPTS)).hosts[0]!;
    expect(direct).toMatchObject({
      exitCode: 3,
      stdout: 'stdin=none s=*** e=m pwd=/tmp leader=yes\n',
      stderr: 'to-stderr\n',
    });
    // The same probe on a fresh connection (first command: the double form) gives the same record.
    const fresh = (await setup(plain).run(PROBE, PROBE_OPTS)).hosts[0]!;
    expect({ ...fresh, durationMs: 0 }).toEqual({ ...direct, durationMs: 0 });
    expect(executor.stats()).toMatchObject({ dials: 1, connections: 1 });
  });

  test('a timeout in the direct form kills the whole process group', async () => {
    const { run } = setup(plain);
    expect((await run(ARGV0)).hosts[0]!.stdout).toBe('/bin/sh\n');
    const pidFile = join(work, `direct-${randomUUID()}.pid`);
    const e = await run(`${ARGV0} > ${pidFile}.argv0; sleep 300 & echo $! > ${pidFile}; wait`, {
      timeoutMs: 1000,
    }).then(
      () => undefined,
      (err: unknown) => err as ApplicationFailure,
    );
    expect(e?.type).toBe('CommandTimeout');
    expect(readFileSync(`${pidFile}.argv0`, 'utf8')).toBe('sh\n');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const end = Date.now() + 5000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
  });
});

describe('the exec request when the login shell is not /bin/sh', () => {
  test('every command keeps `exec /bin/sh -c`, so the wrapper never runs in another shell', async () => {
    const { run } = setup(bashLogin);
    for (let i = 0; i < 3; i++) expect((await run(ARGV0)).hosts[0]!.stdout).toBe('/bin/sh\n');
    expect((await run('echo "$SHELL"')).hosts[0]!.stdout).toBe('/bin/bash\n');
  });
});
