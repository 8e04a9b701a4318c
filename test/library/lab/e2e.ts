/**
 * One end-to-end test file: a lab (lab.ts) built by the file's world, the engine (engine.ts) on the
 * shipped library with the world's site settings, and the file's scenarios played against it —
 * concurrently, each from its realistic alert to the end of its incident and its report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncidentState } from '../../../contracts/incident';
import { startEngine, siteLibrary, type Engine, type SiteVars } from './engine';
import { fixtureAlerts, IncidentApi, webhook, type WebhookAlert } from './incidents';
import { startLab, type Lab, type LabContext, type LabSpec } from './lab';

const ROOT = join(__dirname, '..', '..', '..');
/** Every machine the fixtures name is the lab's one sshd. */
const ALIASES = [
  'gw1',
  'mp1',
  'ws1',
  'ws-lb1',
  'qcat1',
  'qcat-db1',
  'qte1',
  'web1',
  'db1',
  'redis1',
  'node1',
  'app1',
  'lab-endpoint',
];
const TOKEN = 'library-e2e-token-alice';

/** What a file's world gives the lab and the engine. */
export interface World extends LabSpec {
  /** The lab's site settings: `vars:` values per runbook. */
  site: SiteVars;
  /** Secret name → value (set in the worker's environment). */
  secrets?: Record<string, string>;
  /** After the lab is up (files the lab must own as root, data in the databases). */
  ready?: (lab: Lab) => Promise<void> | void;
}

/** One runbook played from its alert to its report. */
export interface Scenario {
  runbook: string;
  /** Fixture in examples/alerts/library/ (its labels may be overridden for the lab). */
  fixture: string;
  labels?: Record<string, string>;
  /** Puts the service in the state the alert describes, just before it fires. */
  arrange?: (lab: Lab) => Promise<void> | void;
  /** Which pending approvals to grant (default: every one). */
  approve?: (stepId: string) => boolean;
  /** alert_resolved runbooks: Alertmanager sends the resolved notification after the remediation. */
  resolvesAlert?: boolean;
  /** human resolution runbooks: a person closes the incident after reading the diagnostics. */
  closes?: boolean;
}

export interface Outcome {
  state: IncidentState;
  approved: string[];
  report: string;
}

const TERMINAL = ['resolved', 'failed', 'cancelled'];

function alertFor(s: Scenario, run: string): WebhookAlert {
  const [a] = fixtureAlerts(join(ROOT, 'examples', 'alerts', 'library', `${s.fixture}.json`));
  return {
    ...a!,
    labels: { ...a!.labels, ...(s.labels ?? {}) },
    fingerprint: `${a!.fingerprint.slice(0, 8)}${run}`,
    startsAt: new Date().toISOString(),
  };
}

async function play(api: IncidentApi, lab: Lab, s: Scenario, run: string): Promise<Outcome> {
  await s.arrange?.(lab);
  const alert = alertFor(s, run);
  const ids = await api.fire(webhook([alert]));
  const id = ids.find((i) => i.startsWith(`incident-${s.runbook}-`));
  if (!id) throw new Error(`${s.fixture} started ${JSON.stringify(ids)}, not ${s.runbook}`);
  const driven = await api.drive(id, s.approve);
  if (!TERMINAL.includes(driven.state.status)) {
    if (s.resolvesAlert)
      await api.fire(webhook([{ ...alert, status: 'resolved', endsAt: new Date().toISOString() }]));
    else if (s.closes)
      await api.post(id, 'close', {
        outcome: 'resolved',
        comment: 'diagnostics read by the library e2e test',
      });
  }
  // The API's state names the report by URL (rendered on demand), not by a worker's file.
  const state = await api.waitFor(id, (x) => TERMINAL.includes(x.status), 90_000);
  const report = await api.report(id);
  return { state, approved: driven.approved, report };
}

/** Runs `fns` with at most `limit` at once; each settles on its own. */
async function pool<T>(fns: (() => Promise<T>)[], limit: number): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = new Array(fns.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < fns.length; i = next++) {
      try {
        out[i] = { status: 'fulfilled', value: await fns[i]!() };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, fns.length) }, worker));
  return out;
}

export interface E2E {
  lab(): Lab;
  engine(): Engine;
  /** The scenario's outcome (throws what went wrong while playing it). */
  outcome(runbook: string): Outcome;
}

/**
 * Wires beforeAll/afterAll for a file: builds the world, starts lab and engine, plays every
 * scenario (at most `concurrency` at once) and keeps each outcome for the file's tests.
 */
export function useE2E(
  build: (ctx: LabContext) => Promise<World>,
  scenarios: Scenario[],
  concurrency = 6,
): E2E {
  let lab: Lab | undefined;
  let engine: Engine | undefined;
  let home: string | undefined;
  const outcomes = new Map<string, PromiseSettledResult<Outcome>>();
  beforeAll(async () => {
    let world: World | undefined;
    lab = await startLab(async (ctx) => (world = await build(ctx)));
    await world!.ready?.(lab);
    home = mkdtempSync(join(tmpdir(), 'fb-library-e2e-'));
    for (const [name, value] of Object.entries(world!.secrets ?? {}))
      process.env[`LAB_SECRET_${name.toUpperCase()}`] = value;
    const plans = siteLibrary(join(home, 'runbooks'), world!.site);
    const port = lab.sshd.instances[0]!.port;
    const host = { host: '127.0.0.1', port, user: lab.user.name };
    engine = await startEngine(
      home,
      plans,
      {
        ssh: { knownHostsFile: lab.sshd.knownHostsFile, privateKeyFile: lab.sshd.clientKeyFile },
        inventory: { lab: [{ ...host, aliases: ALIASES }], qte: [host] },
        secrets: Object.fromEntries(
          Object.keys(world!.secrets ?? {}).map((n) => [n, { env: `LAB_SECRET_${n.toUpperCase()}` }]),
        ),
      } as never,
      { FIREBREAK_TOKEN_ALICE: TOKEN },
    );
    const api = new IncidentApi(engine.intakeUrl, TOKEN);
    const run = Date.now().toString(16).slice(-8);
    const settled = await pool(
      scenarios.map((s) => () => play(api, lab!, s, run)),
      concurrency,
    );
    scenarios.forEach((s, i) => outcomes.set(s.runbook, settled[i]!));
  }, 900_000);
  afterAll(async () => {
    await engine?.stop();
    await lab?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  }, 120_000);
  return {
    lab: () => lab!,
    engine: () => engine!,
    outcome(runbook) {
      const o = outcomes.get(runbook);
      if (!o) throw new Error(`scenario ${runbook} did not run (beforeAll failed?)`);
      if (o.status === 'rejected') throw o.reason;
      return o.value;
    },
  };
}

/** The step record of `id` in the incident. */
export function stepOf(o: Outcome, id: string): IncidentState['steps'][number] {
  const s = o.state.steps.find((x) => x.id === id && x.phase !== 'verify');
  if (!s)
    throw new Error(
      `incident of ${o.state.runbook.id} has no step ${id}: ${o.state.steps.map((x) => x.id).join(', ')}`,
    );
  return s;
}
