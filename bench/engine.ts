/**
 * `npm run bench:engine`: the engine as `npm start` runs it (intake + worker + the embedded dev
 * server on its WAL file, or an existing Temporal with `--address host:port`) under an
 * Alertmanager storm, each figure printed beside the limit measured in the same run on the same
 * servers (bench/engine/limits.ts), every count verified (bench/engine/verify.ts).
 *
 * Phases, in order: the limits (bare ssh2 exec; a bare Temporal client loop and worker);
 * sequential incidents (receipt → first command, one at a time); the storm (5,000 deliveries over
 * 200 fingerprints from 16 keep-alive senders, each incident running two diagnostics on a loopback
 * sshd, then awaiting approval) with a reader on `GET /v1/incidents`; more incidents until
 * `--open` await approval (worker memory); approvals of the oldest and newest incidents (what an
 * approve costs once an incident left the worker's cache), then of every storm incident, until
 * each has remediated, verified and resolved.
 *
 *   npm run bench:engine -- [--address host:port] [--deliveries 5000] [--fingerprints 200]
 *     [--concurrency 16] [--sequential 40] [--open 1000] [--approve-sample 20]
 *     [--limit-sequential 30] [--ssh-runs 200] [--cpu-prof DIR (profile of the engine process)]
 *     [--engine-node-args "--flag …" (Node/V8 flags for the engine process)]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { payload } from './intake-load';
import { startEngineProcess } from './engine/engine-process';
import type { EngineProcess } from './engine/engine-process';
import { CommandLog, createFixture } from './engine/fixture';
import type { Fixture } from './engine/fixture';
import { measureSshLimit, measureTemporalLimit, quietRuntime } from './engine/limits';
import { approvalPhase, fillPhase, incidentId, sequentialPhase, stormPhase } from './engine/phases';
import type { BenchContext } from './engine/phases';
import { RssSampler } from './engine/procstat';
import { formatReport } from './engine/report';
import { pool } from './engine/stats';
import { passed, ranOnce, stormChecks } from './engine/verify';
import type { Check } from './engine/verify';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  return v !== undefined && Number.isInteger(v) && v >= 0 ? v : def;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const tailOf = (file: string) => readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
const say = (line: string) => void process.stderr.write(`bench:engine ${line}\n`);
const load1 = () => (loadavg()[0] ?? 0).toFixed(2);

async function main(): Promise<void> {
  const began = performance.now();
  const shape = {
    deliveries: arg('deliveries', 5000),
    fingerprints: arg('fingerprints', 200),
    concurrency: arg('concurrency', 16),
  };
  const sequentialRuns = arg('sequential', 40);
  const open = arg('open', 1000);
  const sample = arg('approve-sample', 20);
  const prefix = `b${Date.now().toString(36)}`;
  const existing = option('address');
  const loads = [load1()];
  say(
    `starting sshd and the engine (npm start)${existing ? ` against ${existing}` : ''}; load average ${loads[0]}`,
  );
  const fixture: Fixture = await createFixture({
    ...(existing ? { address: existing } : {}),
    taskQueue: `firebreak-${prefix}`,
  });
  const profileDir = option('cpu-prof');
  // Profiling the engine: V8 writes the profile when the engine exits at the end of the run.
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // Experiments with the engine's Node/V8 flags (e.g. heap sizes), space-separated.
  nodeArgs.push(...(option('engine-node-args') ?? '').split(' ').filter(Boolean));
  let engine: EngineProcess | undefined;
  let connection: NativeConnection | undefined;
  try {
    engine = await startEngineProcess(fixture.home, fixture.env, fixture.ports.intake, nodeArgs);
    const temporalAddress = existing ?? `127.0.0.1:${fixture.ports.temporal}`;
    quietRuntime();
    connection = await NativeConnection.connect({ address: temporalAddress });
    const client = new Client({ connection });
    const ctx: BenchContext = {
      url: engine.url,
      client,
      log: new CommandLog(fixture.logFile),
      prefix,
      enginePid: engine.pid,
      ...(engine.serverPid ? { serverPid: engine.serverPid } : {}),
      rss: new RssSampler(engine.pid),
    };

    say('measuring the limits: bare ssh2 exec, bare Temporal client loop and worker');
    const [host, port] = fixture.target.split(':');
    const ssh = await measureSshLimit({
      host: host as string,
      port: Number(port),
      user: fixture.fleet.user.name,
      keyFile: fixture.fleet.clientKeyFile,
      runs: arg('ssh-runs', 200),
    });
    const alert = (JSON.parse(payload('limit', 0)) as { alerts: unknown[] }).alerts[0];
    const temporal = await measureTemporalLimit({
      address: temporalAddress,
      namespace: 'default',
      prefix,
      shape,
      sequential: arg('limit-sequential', 30),
      alert,
      ...(engine.serverPid ? { serverPid: engine.serverPid } : {}),
    });

    say(`sequential incidents (${sequentialRuns})`);
    const sequential = await sequentialPhase(ctx, sequentialRuns);
    say(
      `storm: ${shape.deliveries} deliveries over ${shape.fingerprints} fingerprints from ${shape.concurrency} senders; load average ${load1()}`,
    );
    const storm = await stormPhase(ctx, shape);
    loads.push(load1());
    const opened = sequential.fps.length + storm.fps.length;
    say(
      `opening ${Math.max(0, open - opened)} more incidents until ${Math.max(open, opened)} await approval`,
    );
    const fill = await fillPhase(ctx, Math.max(0, open - opened), shape.concurrency);
    say('approving the oldest and newest incidents, then every storm incident');
    const approvals = await approvalPhase(
      ctx,
      storm.fps,
      fill.fps.length > 0 ? fill.fps : sequential.fps,
      Math.min(sample, storm.fps.length),
      4,
    );

    const checks: Check[] = [
      ...(await stormChecks(client, ctx.log, storm, shape, prefix)),
      {
        what: 'sequential incidents diagnosed once',
        expected: sequential.fps.length * 2,
        found: ranOnce(ctx.log, 'clock', sequential.fps) + ranOnce(ctx.log, 'uptime', sequential.fps),
      },
      {
        what: 'further incidents diagnosed once',
        expected: fill.fps.length * 2,
        found: ranOnce(ctx.log, 'clock', fill.fps) + ranOnce(ctx.log, 'uptime', fill.fps),
      },
      {
        what: 'approved remediations run once',
        expected: approvals.approved.length,
        found: ranOnce(ctx.log, 'fix', approvals.approved),
      },
      {
        what: 'approved verify steps run once',
        expected: approvals.approved.length,
        found: ranOnce(ctx.log, 'verify', approvals.approved),
      },
      {
        what: 'approved incidents completed',
        expected: approvals.approved.length,
        found: approvals.histories.filter((h) => h.closed).length,
      },
    ];
    loads.push(load1());
    const out = formatReport({
      title: `bench:engine — npm start (${existing ? `Temporal at ${existing}` : 'embedded dev server, SQLite WAL'}), ${shape.deliveries} deliveries over ${shape.fingerprints} fingerprints from ${shape.concurrency} senders, 2 diagnostics per incident on a loopback sshd`,
      loads,
      ssh,
      temporal,
      sequential,
      storm,
      fill,
      approvals,
      openIncidents: opened + fill.fps.length,
      checks,
      seconds: (performance.now() - began) / 1000,
    });
    process.stdout.write(`${out}\n`);
    if (!checks.every(passed)) process.exitCode = 1;
    ctx.rss.stop();
    if (existing) {
      // Leave nothing running on a shared cluster.
      const ids = [...sequential.fps, ...storm.fps, ...fill.fps].map(incidentId);
      await pool(ids.length, 16, (i) =>
        client.workflow
          .getHandle(ids[i] as string)
          .terminate('bench:engine done')
          .catch(() => undefined),
      );
    }
  } catch (e) {
    if (engine) say(`engine log (tail):\n${tailOf(engine.logFile)}`);
    throw e;
  } finally {
    await connection?.close();
    await engine?.stop();
    await fixture.cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:engine failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
