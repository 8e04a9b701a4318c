import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandActivities } from '../../activities/commands';
import { shellQuote } from '../../language/expressions/quote';
import { SecretStore } from '../../services/secrets';
import { input, sshConfig } from './helpers';

let home: string;
let acts: ReturnType<typeof createCommandActivities>;
const SECRET = 'hunter2-Sup3r$ecret';

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'fb-local-'));
  writeFileSync(join(home, 'pw'), SECRET + '\n');
  acts = createCommandActivities({
    config: { home, ssh: sshConfig(), inventory: {}, secrets: { db_password: { file: join(home, 'pw') } } },
  });
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Alive and not a zombie (an orphan may wait a moment for init to reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApplicationFailure);
    return e as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

describe('local transport', () => {
  test('captures stdout, stderr and the exit code of a command', async () => {
    const r = await acts.runCommand(input('echo out; echo err >&2; exit 3'));
    expect(r.hosts).toHaveLength(1);
    const h = r.hosts[0]!;
    expect(h).toMatchObject({
      host: 'local',
      ok: false,
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      truncated: false,
    });
  });

  test("the command's $0 is `sh`, as on an SSH target, in its output and in the shell's own errors", async () => {
    const h = (await acts.runCommand(input('echo "$0"; no-such-command-fb'))).hosts[0]!;
    expect(h.stdout).toBe('sh\n');
    expect(h.stderr).toMatch(/^sh: \d+: no-such-command-fb: not found\n$/);
  });

  test('reports the signal when the command is killed by one', async () => {
    const r = await acts.runCommand(input('kill -9 $$'));
    expect(r.hosts[0]).toMatchObject({ exitCode: null, signal: 'SIGKILL'.replace('SIG', '') });
  });

  test('caps each stream with a marker but extracts values from the full output', async () => {
    const r = await acts.runCommand(
      input('i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done; echo "total=42"', {
        outputCapBytes: 100,
        extract: [{ name: 'total', from: 'stdout', regex: 'total=(\\d+)', type: 'number' }],
      }),
    );
    const h = r.hosts[0]!;
    expect(h.truncated).toBe(true);
    expect(h.stdout).toMatch(/^line 0\n/);
    expect(h.stdout).toMatch(/…\[truncated: \d+ more bytes\]$/);
    expect(Buffer.byteLength(h.stdout.split('\n…[')[0]!)).toBeLessThanOrEqual(100);
    expect(h.values.total).toBe(42);
  });

  test('extracts JSON paths and falls back to defaults on a miss', async () => {
    const r = await acts.runCommand(
      input(`echo '{"data":{"conns":[{"count":7}]}}'`, {
        extract: [
          { name: 'count', from: 'stdout', json: 'data.conns.0.count', type: 'number' },
          { name: 'missing', from: 'stdout', regex: 'nope=(\\d+)', type: 'number', default: -1 },
        ],
      }),
    );
    expect(r.hosts[0]!.values).toEqual({ count: 7, missing: -1 });
  });

  test('passes secrets through the environment, never argv, and masks them in output', async () => {
    const r = await acts.runCommand(
      input(
        // Look for the secret in every process's command line while the command runs.
        // (printf is a builtin, so writing the pattern file puts the secret on no command line)
        'echo "pw=$FIREBREAK_SECRET_DB_PASSWORD"; printf "%s" "$FIREBREAK_SECRET_DB_PASSWORD" > pat; ' +
          'grep -l -a -F -f pat /proc/[0-9]*/cmdline 2>/dev/null | wc -l; rm -f pat',
        { secrets: ['db_password'], cwd: home },
      ),
    );
    const h = r.hosts[0]!;
    expect(h.stdout).toBe('pw=***\n0\n');
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  test('runs in the given cwd with env values passed literally', async () => {
    const hostile = `a'b; touch ${home}/pwned $(id) \`id\``;
    const r = await acts.runCommand(
      input('pwd; printf "%s" "$WEIRD"', { cwd: home, env: { WEIRD: hostile } }),
    );
    expect(r.hosts[0]!.stdout).toBe(`${home}\n${hostile}`);
    expect(existsSync(join(home, 'pwned'))).toBe(false);
  });

  test('shell-quoted hostile values rendered into a command never execute', async () => {
    const canary = join(home, 'canary');
    const values = [
      `; touch ${canary}`,
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `'; touch ${canary}; '`,
      `x\ntouch ${canary}`,
    ];
    for (const v of values) {
      const r = await acts.runCommand(input(`printf '%s' ${shellQuote(v)}`));
      expect(r.hosts[0]!.stdout).toBe(v);
    }
    expect(existsSync(canary)).toBe(false);
  });

  test('refuses an environment variable name that is not a shell identifier', async () => {
    const f = await failure(acts.runCommand(input('true', { env: { 'A;B': 'x' } })));
    expect(f.type).toBe('InvalidCommandInput');
    expect(f.message).toContain('A;B');
  });

  test('fails with UnknownSecret for a secret the config does not define', async () => {
    const f = await failure(acts.runCommand(input('true', { secrets: ['nope'] })));
    expect(f.type).toBe('UnknownSecret');
    expect(f.message).toContain('nope');
  });

  test('a command timeout kills the whole process group and fails with CommandTimeout', async () => {
    const pidFile = join(home, 'timeout.pid');
    const f = await failure(
      acts.runCommand(input(`sleep 300 & echo $! > ${pidFile}; wait`, { timeoutMs: 500 })),
    );
    expect(f.type).toBe('CommandTimeout');
    expect(f.nonRetryable).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(false);
  });

  test('cancelling the activity kills the running command and its children', async () => {
    const pidFile = join(home, 'cancel.pid');
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3000 });
    const p = env.run(acts.runCommand, input(`sleep 300 & echo $! > ${pidFile}; wait`));
    const deadline = Date.now() + 5000;
    while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    env.cancel();
    await expect(p).rejects.toThrow();
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(false);
  });

  test('the idempotency guard runs a keyed command once and replays its result', async () => {
    const counter = join(home, 'count');
    const cmd = `echo x >> ${counter}; echo ran; exit 4`;
    const a = await acts.runCommand(input(cmd, { idempotencyKey: 'inc-1/step-1/k' }));
    const b = await acts.runCommand(input(cmd, { idempotencyKey: 'inc-1/step-1/k' }));
    expect(a.hosts[0]).toMatchObject({ exitCode: 4, stdout: 'ran\n' });
    expect(a.hosts[0]!.replayed).toBeUndefined();
    expect(b.hosts[0]).toMatchObject({ exitCode: 4, stdout: 'ran\n', replayed: true });
    expect(readFileSync(counter, 'utf8')).toBe('x\n');
  });

  test('a claimed key without a recorded result fails with IdempotencyUnknownOutcome and does not run', async () => {
    const counter = join(home, 'count2');
    const cmd = `echo x >> ${counter}; sleep 300`;
    const first = await failure(acts.runCommand(input(cmd, { idempotencyKey: 'k2', timeoutMs: 500 })));
    expect(first.type).toBe('CommandTimeout');
    const second = await failure(acts.runCommand(input(cmd, { idempotencyKey: 'k2' })));
    expect(second.type).toBe('IdempotencyUnknownOutcome');
    expect(second.nonRetryable).toBe(true);
    expect(second.message).toContain('k2');
    expect(readFileSync(counter, 'utf8')).toBe('x\n');
  });
});

test('the secret store masks every value it resolved', async () => {
  const store = new SecretStore({ a: { env: 'FB_T_A' } }, { FB_T_A: 'topsecret' });
  expect(store.mask('x topsecret y')).toBe('x topsecret y');
  await store.get('a');
  expect(store.mask('x topsecret y topsecret')).toBe('x *** y ***');
});
