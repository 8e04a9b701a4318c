/**
 * Where one pooled SSH command's time goes (issue #17 profile): the `runCommand` activity on a
 * warm pool, with each phase timestamped (performance.now()), beside a bare ssh2 exec of the same
 * command and of the wrapper's exec line on the same connection and sshd. Runs interleaved so
 * machine load hits every variant alike; prints the median of each phase.
 *
 * Run as root: `node -r ./test/support/register-ts.js bench/ssh-phases.ts` (BENCH_SSH_ITER runs).
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { createCommandActivities } from '../activities/commands';
import type { RunCommandInput } from '../activities/types';
import { createSshExecutor } from '../services/transport/client';
import type { Executor } from '../services/transport/transport';
import { buildStdin, buildWrapper, execLine, newMarkerNonce } from '../services/transport/wrapper';
import { startSshd, TEST_USER } from '../test/support/services';
import { bareExec, benchCommandInput, benchSshConfig, openBareSsh2 } from './ssh-reference';

const ITER = Number(process.env.BENCH_SSH_ITER ?? 300);
type Marks = Map<string, number>;
let cur: Marks | undefined;
const mark = (name: string) => {
  if (cur && !cur.has(name)) cur.set(name, performance.now());
};

/** Timestamps ssh2's exec call, its callback (channel open + exec confirmed) and the channel's events. */
function instrumentSsh2(): void {
  const proto = Client.prototype as unknown as {
    exec: (cmd: string, a: unknown, b?: unknown) => unknown;
  };
  const orig = proto.exec;
  proto.exec = function (this: Client, cmd: string, a: unknown, b?: unknown) {
    mark('exec call');
    const cb = (typeof a === 'function' ? a : b) as (e: Error | undefined, ch: ClientChannel) => void;
    const wrapped = (e: Error | undefined, ch: ClientChannel) => {
      mark('exec confirmed');
      if (ch) {
        ch.stderr.once('data', () => mark('first stderr'));
        ch.once('data', () => mark('first stdout'));
        ch.once('exit', () => mark('exit status'));
        ch.once('close', () => mark('channel close'));
      }
      cb(e, ch);
    };
    return typeof a === 'function' ? orig.call(this, cmd, wrapped) : orig.call(this, cmd, a, wrapped);
  };
}

function withMarks(inner: Executor): Executor {
  return {
    kind: inner.kind,
    close: () => inner.close(),
    async start(ep, req) {
      mark('executor.start');
      const proc = await inner.start(ep, req);
      mark('start resolved');
      void proc.exited.then(() => mark('exited settled'));
      return proc;
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Per mark: median time since the run began, and median step from the mark before (by time). */
function report(label: string, runs: Marks[], cpuMs: number): void {
  const names = [...(runs[0]?.keys() ?? [])];
  const at = (r: Marks, n: string) => (r.get(n) ?? NaN) - (r.get('begin') ?? 0);
  names.sort((a, b) => median(runs.map((r) => at(r, a))) - median(runs.map((r) => at(r, b))));
  const parts = names.map((n, i) => {
    const prev = names[i - 1];
    const step = prev === undefined ? 0 : median(runs.map((r) => at(r, n) - at(r, prev)));
    return `${n.padEnd(16)} at ${median(runs.map((r) => at(r, n))).toFixed(3)}  step ${step.toFixed(3)}`;
  });
  console.log(`${label} (n=${runs.length}, client CPU ${cpuMs.toFixed(3)} ms/run):\n  ${parts.join('\n  ')}`);
}

async function main(): Promise<void> {
  instrumentSsh2();
  const fleet = await startSshd(1);
  const port = fleet.instances[0]?.port as number;
  const ssh = benchSshConfig(fleet);
  const config = { home: fleet.dir, ssh, inventory: {}, secrets: {} };
  const exec = createSshExecutor({ ssh });
  const acts = createCommandActivities({ config, transports: { ssh: withMarks(exec) } });
  const input: RunCommandInput = benchCommandInput(
    [`127.0.0.1:${port}`],
    process.env.BENCH_SSH_COMMAND ?? 'echo ok',
  );
  const bareConn = await openBareSsh2({
    port,
    user: TEST_USER,
    keyFile: fleet.clientKeyFile,
    knownHostsFile: fleet.knownHostsFile,
  });
  const conn = bareConn.conn;
  const bare = (command: string, stdin?: string, on: Client = conn) => bareExec(on, command, stdin);
  // The pool's one connection to the host (private: reached into for this comparison only).
  const pooledClient = (): Client =>
    (exec as unknown as { pool: { hosts: Map<string, { conns: { client: Client }[] }> } }).pool.hosts.get(
      `${TEST_USER}@127.0.0.1:${port}`,
    )!.conns[0]!.client;
  const script = buildWrapper({ command: input.command, secrets: [], env: {}, sudo: false });
  const nonceLine = () => buildStdin([], {}, newMarkerNonce());
  const variants: [string, () => Promise<unknown>][] = [
    ['pooled runCommand', () => acts.runCommand(input)],
    [
      'executor.start only (transport layer, no activity/runner)',
      async () => {
        const ep = { label: 'b', host: '127.0.0.1', port, user: TEST_USER };
        const noop = () => undefined;
        const proc = await exec.start(ep, { script, stdin: nonceLine(), onStdout: noop, onStderr: noop });
        await proc.exited;
      },
    ],
    ['bare ssh2 exec of the command', () => bare(input.command)],
    [
      "bare ssh2 exec of the wrapper (direct form) + nonce stdin, on the pool's connection",
      () => bare(execLine(script, true), nonceLine(), pooledClient()),
    ],
    [
      'bare ssh2 exec of the wrapper (direct form) + nonce stdin',
      () => bare(execLine(script, true), nonceLine()),
    ],
    [
      'bare ssh2 exec of the wrapper (exec /bin/sh -c form) + nonce stdin',
      () => bare(execLine(script), nonceLine()),
    ],
  ];
  const only = process.env.BENCH_SSH_ONLY;
  if (only !== undefined)
    variants.splice(0, variants.length, ...variants.filter(([l]) => l.startsWith(only)));
  const runs = new Map<string, Marks[]>(variants.map(([l]) => [l, []]));
  const cpu = new Map<string, number>(variants.map(([l]) => [l, 0]));
  try {
    for (let i = 0; i < ITER + 20; i++) {
      for (const [label, fn] of variants) {
        const c0 = process.cpuUsage();
        cur = new Map([['begin', performance.now()]]);
        await fn();
        const c1 = process.cpuUsage(c0);
        if (i >= 20) cpu.set(label, cpu.get(label)! + (c1.user + c1.system) / 1000);
        mark('done');
        await new Promise((r) => setImmediate(r));
        if (i >= 20) runs.get(label)!.push(cur);
        cur = undefined;
      }
    }
    for (const [label, r] of runs) report(label, r, cpu.get(label)! / r.length);
    let t = performance.now();
    for (let i = 0; i < 1000; i++)
      buildWrapper({ command: input.command, secrets: [], env: {}, sudo: false });
    console.log(`buildWrapper: ${((performance.now() - t) / 1000).toFixed(4)} ms each`);
    t = performance.now();
    for (let i = 0; i < 1000; i++) buildStdin([], {}, newMarkerNonce());
    console.log(`nonce + buildStdin: ${((performance.now() - t) / 1000).toFixed(4)} ms each`);
  } finally {
    bareConn.close();
    await exec.close();
    await fleet.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
