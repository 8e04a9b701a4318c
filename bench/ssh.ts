/**
 * SSH transport benchmark against real sshd instances on loopback:
 * - command latency on a pooled connection vs a fresh connection per command (median, p99),
 *   beside OpenSSH's own multiplexed client (ControlMaster) and a bare ssh2 exec on the same sshd
 *   (bench/ssh-reference.ts; the bare exec alternates with the pooled runs);
 * - `bench/ssh-phases.ts` breaks one pooled command down by phase, for profiling;
 * - fan-out wall time to 1, 8 and 32 hosts (one sshd process per host).
 * Targets: pooled median < 3 ms; 32-host fan-out < 3× single host.
 *
 * Run as root (sshd switches users): `npm run bench:ssh`.
 */
import { loadavg } from 'node:os';
import { createCommandActivities } from '../activities/commands';
import type { RunCommandInput } from '../activities/types';
import { createSshExecutor } from '../services/transport/client';
import { startSshd, TEST_USER } from '../test/support/services';
import { benchCommandInput, benchSshConfig, openBareSsh2, openSshMultiplexed } from './ssh-reference';

const ITER = Number(process.env.BENCH_SSH_ITER ?? 200);
const FRESH_ITER = Number(process.env.BENCH_SSH_FRESH_ITER ?? 30);
const FANOUT_ROUNDS = Number(process.env.BENCH_SSH_FANOUT_ROUNDS ?? 9);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
function summary(ms: number[]): { median: number; p99: number; mean: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: pct(s, 50), p99: pct(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const f = (n: number) => n.toFixed(2);

async function main(): Promise<void> {
  const fleet = await startSshd(32);
  const ssh = benchSshConfig(fleet);
  const config = { home: fleet.dir, ssh, inventory: {}, secrets: {} };
  const hosts = fleet.instances.map((i) => `127.0.0.1:${i.port}`);
  const mk = (h: string[], concurrency = 32, command = 'echo ok'): RunCommandInput =>
    benchCommandInput(h, command, concurrency);
  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const t = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  try {
    const target = {
      port: fleet.instances[0]?.port as number,
      user: TEST_USER,
      keyFile: fleet.clientKeyFile,
      knownHostsFile: fleet.knownHostsFile,
    };
    // Pooled: one executor, connection dialled once (warm-up), then ITER commands, each followed
    // by a bare ssh2 exec on the same sshd: the two alternate, so the machine's load (shared with
    // other benchmarks) weighs on both alike and their ratio holds.
    const pooledExec = createSshExecutor({ ssh });
    const pooled = createCommandActivities({ config, transports: { ssh: pooledExec } });
    const bareConn = await openBareSsh2(target);
    const one = mk([hosts[0]!]);
    for (let i = 0; i < 10; i++) {
      await pooled.runCommand(one);
      await bareConn.exec();
    }
    const pooledMs: number[] = [];
    const bareMs: number[] = [];
    const loadBefore = loadavg()[0] ?? NaN;
    for (let i = 0; i < ITER; i++) {
      pooledMs.push(await time(() => pooled.runCommand(one)));
      bareMs.push(await time(bareConn.exec));
    }
    bareConn.close();
    const load = `load average ${f(loadBefore)} → ${f(loadavg()[0] ?? NaN)} during these runs`;

    // Fresh: a new executor (new TCP + SSH handshake + auth) for every command.
    const freshMs: number[] = [];
    for (let i = 0; i < FRESH_ITER; i++) {
      const ex = createSshExecutor({ ssh });
      const acts = createCommandActivities({ config, transports: { ssh: ex } });
      freshMs.push(await time(() => acts.runCommand(one)));
      await ex.close();
    }

    // Fan-out on warm pools (connections to every host already dialled): a trivial command (pure
    // overhead, CPU-bound on this machine) and one doing 100 ms of remote work.
    for (let i = 0; i < 2; i++) await pooled.runCommand(mk(hosts));
    const sizes = [1, 8, 32] as const;
    const fan = { trivial: new Map<number, number[]>(), work: new Map<number, number[]>() };
    for (const n of sizes) {
      fan.trivial.set(n, []);
      fan.work.set(n, []);
    }
    for (let r = 0; r < FANOUT_ROUNDS; r++) {
      for (const n of sizes) {
        fan.trivial.get(n)!.push(await time(() => pooled.runCommand(mk(hosts.slice(0, n)))));
        fan.work
          .get(n)!
          .push(await time(() => pooled.runCommand(mk(hosts.slice(0, n), 32, 'sleep 0.1; echo ok'))));
      }
    }
    await pooledExec.close();

    const mux = summary(await openSshMultiplexed(target, Math.min(ITER, 100)));
    const bare = summary(bareMs);

    const p = summary(pooledMs);
    const fr = summary(freshMs);
    console.log(
      `ssh command latency, pooled connection (n=${ITER}): median ${f(p.median)} ms, p99 ${f(p.p99)} ms, ` +
        `mean ${f(p.mean)} ms  [target median < 3 ms: ${p.median < 3 ? 'PASS' : 'FAIL'}]  (${load})`,
    );
    console.log(
      `  reference, OpenSSH multiplexed client (ControlMaster, an ssh process per command): median ${f(mux.median)} ms, ` +
        `p99 ${f(mux.p99)} ms; Firebreak pooled = ${f(p.median / mux.median)}× of it`,
    );
    console.log(
      `  floor, bare ssh2 exec on one connection (alternating with the pooled runs): median ${f(bare.median)} ms, p99 ${f(bare.p99)} ms; ` +
        `Firebreak pooled = ${f(p.median / bare.median)}× of it`,
    );
    console.log(
      `ssh command latency, fresh connection (n=${FRESH_ITER}): median ${f(fr.median)} ms, p99 ${f(fr.p99)} ms, ` +
        `mean ${f(fr.mean)} ms`,
    );
    for (const [label, m] of [
      ['echo ok', fan.trivial],
      ['sleep 0.1; echo ok', fan.work],
    ] as const) {
      const one = summary(m.get(1)!).median;
      const eight = summary(m.get(8)!).median;
      const all = summary(m.get(32)!).median;
      console.log(
        `fan-out wall time, '${label}' (median of ${FANOUT_ROUNDS}, concurrency 32, warm pool): 1 host ${f(one)} ms, ` +
          `8 hosts ${f(eight)} ms (${f(eight / one)}×), 32 hosts ${f(all)} ms (${f(all / one)}×)  ` +
          `[target 32 < 3× single: ${all < 3 * one ? 'PASS' : 'FAIL'}]`,
      );
    }
  } finally {
    await fleet.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
