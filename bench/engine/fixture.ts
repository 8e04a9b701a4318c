/**
 * What bench:engine runs against: a loopback sshd (the target of every diagnostic), and a
 * FIREBREAK_HOME holding one runbook, an on-call file and the environment `npm start` reads.
 *
 * Every command the runbook runs appends `<fingerprint> <step> <epoch ms>` to a log file on the
 * target, so the bench counts the commands that really ran there and reads when each one started
 * from the target's own clock, without asking the engine.
 */
import {
  chmodSync,
  chownSync,
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startSshd } from '../../test/support/services';
import type { SshdFleet } from '../../test/support/services';

/** The runbook's id; incident ids are `incident-<id>-<fingerprint>`. */
export const RUNBOOK_ID = 'bench-storm';
/** The alert name the runbook triggers on (bench/intake-load.ts sends it). */
export const ALERT_NAME = 'BenchAlert';
/** The remediation that waits for approval. */
export const APPROVAL_STEP = 'fix';
/** API token of the approver (alice in the on-call file). */
export const APPROVER_TOKEN = 'bench-engine-token-alice-0123456789';

export interface Fixture {
  home: string;
  fleet: SshdFleet;
  /** host:port of the target sshd. */
  target: string;
  /** The file on the target every command appends to. */
  logFile: string;
  ports: { intake: number; temporal: number; ui: number };
  /** The environment the engine is started with. */
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

/**
 * Two diagnostics, then a remediation behind an approval and its verify step; every command logs
 * itself on the target.
 */
export function runbookYaml(target: string, user: string, logFile: string): string {
  // The fingerprint is shell-quoted by the template, so it stays outside the double quotes.
  const log = (step: string) => `echo {{ alert.fingerprint }} ${step} "$(date +%s%3N)" >> ${logFile}`;
  return `apiVersion: firebreak/v1
kind: Runbook
metadata:
  id: ${RUNBOOK_ID}
  title: Bench storm incident
  service: bench
  severity: P3
  owners: [alice]
trigger:
  match:
    alertname: ${ALERT_NAME}
targets:
  box: { hosts: ["${target}"], user: ${user} }
diagnostics:
  - id: clock
    target: box
    run: '${log('clock')}'
  - id: uptime
    target: box
    run: '${log('uptime')}; cat /proc/uptime'
    extract: { up: { regex: "^([0-9.]+)", type: number } }
remediations:
  - id: ${APPROVAL_STEP}
    target: box
    run: '${log(APPROVAL_STEP)}'
    approval: required
    verify: { run: '${log('verify')}', attempts: 1 }
escalation: { levels: [[alice]] }
resolution: { mode: verify }
`;
}

const ONCALL = `apiVersion: firebreak/v1
kind: OnCall
people:
  - { id: alice, name: Alice, email: alice@example.com, token: { env: FIREBREAK_TOKEN_ALICE } }
`;

/** Starts the sshd and writes the engine's home; `address` points the engine at an existing cluster. */
export async function createFixture(opts: { address?: string; taskQueue: string }): Promise<Fixture> {
  const fleet = await startSshd(1);
  const home = mkdtempSync(join(tmpdir(), 'fb-bench-engine-'));
  try {
    const target = `127.0.0.1:${fleet.instances[0]?.port}`;
    // The log lives where the target's user can write it (and reach it: mkdtemp makes 0700).
    chmodSync(home, 0o755);
    const logDir = join(home, 'target');
    mkdirSync(logDir, { mode: 0o755 });
    chownSync(logDir, fleet.user.uid, fleet.user.gid);
    const logFile = join(logDir, 'commands.log');
    mkdirSync(join(home, 'runbooks'));
    writeFileSync(
      join(home, 'runbooks', `${RUNBOOK_ID}.yaml`),
      runbookYaml(target, fleet.user.name, logFile),
    );
    writeFileSync(join(home, 'oncall.yaml'), ONCALL);
    const ports = { intake: await freePort(), temporal: await freePort(), ui: await freePort() };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FIREBREAK_HOME: home,
      FIREBREAK_RUNBOOKS: join(home, 'runbooks'),
      FIREBREAK_ONCALL: join(home, 'oncall.yaml'),
      FIREBREAK_PORT: String(ports.intake),
      FIREBREAK_TASK_QUEUE: opts.taskQueue,
      TEMPORAL_ADDRESS: opts.address ?? '',
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      FIREBREAK_KNOWN_HOSTS: fleet.knownHostsFile,
      FIREBREAK_SSH_KEY: fleet.clientKeyFile,
      FIREBREAK_TOKEN_ALICE: APPROVER_TOKEN,
      SMTP_URL: '',
      FIREBREAK_ALERT_TOKEN: '',
      // Every request of the bench comes from one address: the per-source limits on new alerts and
      // on the API (apps/intake/rate-limit.ts) would measure themselves, not the engine, once the
      // bench opens its 1,000 incidents and reads and approves them. The other limits stay on.
      FIREBREAK_RATE_NEW_ALERTS: '100000/100000',
      FIREBREAK_RATE_API: '100000/100000',
    };
    return {
      home,
      fleet,
      target,
      logFile,
      ports,
      env,
      async cleanup() {
        await fleet.stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await fleet.stop();
    rmSync(home, { recursive: true, force: true });
    throw e;
  }
}

/** One line of the target's command log. */
export interface CommandLine {
  fingerprint: string;
  step: string;
  atMs: number;
}

/** Follows the target's command log, indexing each line by fingerprint and step. */
export class CommandLog {
  private offset = 0;
  private partial = '';
  readonly lines: CommandLine[] = [];
  private readonly index = new Map<string, CommandLine[]>();

  constructor(private readonly file: string) {}

  /** Reads what was appended since the last call. */
  refresh(): this {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return this; // no command has run yet
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return this;
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.partial + buf.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) this.add(line);
    } finally {
      closeSync(fd);
    }
    return this;
  }

  /** Every run of `step` for `fingerprint`, in log order. */
  runs(fingerprint: string, step: string): CommandLine[] {
    return this.index.get(`${fingerprint} ${step}`) ?? [];
  }

  count(step: string, fingerprints: readonly string[]): number {
    return fingerprints.reduce((n, fp) => n + this.runs(fp, step).length, 0);
  }

  private add(line: string): void {
    const [fingerprint, step, at] = line.split(' ');
    if (!fingerprint || !step || !at) return;
    const rec = { fingerprint, step, atMs: Number(at) };
    this.lines.push(rec);
    const key = `${fingerprint} ${step}`;
    const list = this.index.get(key);
    if (list) list.push(rec);
    else this.index.set(key, [rec]);
  }
}
