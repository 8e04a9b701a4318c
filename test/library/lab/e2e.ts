/**
 * One end-to-end test file: a lab (lab.ts) built by the file's world, the engine (engine.ts) on the
 * shipped library with the world's site settings, and the file's scenarios played against it —
 * concurrently, each from its realistic alert to the end of its incident and its report.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFileStem } from '../../../activities/report';
import type { PublicIncidentState } from '../../../apps/intake/public-state';
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
  /** Names the outcome when a file plays one runbook twice (default: the runbook's id). */
  key?: string;
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
  state: PublicIncidentState;
  approved: string[];
  /** The Markdown report the worker's report activity wrote (its file in the reports directory). */
  report: string;
  reportPath: string;
  /** The report as every intake serves it (rendered from the incident's state). */
  served: string;
}

const TERMINAL = ['resolved', 'failed', 'cancelled'];

function alertFor(s: Scenario, run: string): WebhookAlert {
  const [a] = fixtureAlerts(join(ROOT, 'examples', 'alerts', 'library', `${s.fixture}.json`));
  return {
    ...a!,
    labels: { ...a!.labels, ...(s.labels ?? {}) },
    // A second scenario of one fixture is a different alert (its own fingerprint, its own incident).
    fingerprint: `${(s.key ? Buffer.from(s.key).toString('hex') : a!.fingerprint).slice(0, 8)}${run}`,
    startsAt: new Date().toISOString(),
  };
}

async function play(
  api: IncidentApi,
  lab: Lab,
  s: Scenario,
  run: string,
  reportsDir: string,
): Promise<Outcome> {
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
  // The API always names the report's URLs; the worker's copy exists once report_written is on
  // the timeline (the activity runs after the incident reached its end).
  const state = await api.waitFor(
    id,
    (x) => TERMINAL.includes(x.status) && x.timeline.some((e) => e.kind === 'report_written'),
    90_000,
  );
  const reportPath = join(reportsDir, `${reportFileStem(state.id)}.md`);
  const written = state.timeline.find((e) => e.kind === 'report_written')!;
  const report = existsSync(reportPath)
    ? readFileSync(reportPath, 'utf8')
    : `(no report file: ${written.message})`;
  // With FB_KEEP_LAB the lab's directory outlives the run: keep each report (its steps' output) there.
  if (process.env.FB_KEEP_LAB) writeFileSync(join(lab.root, `${s.key ?? s.runbook}.report.md`), report);
  return { state, approved: driven.approved, report, reportPath, served: await api.report(id) };
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
  /** The outcome of the scenario with this key or runbook (throws what went wrong while playing it). */
  outcome(key: string): Outcome;
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
      scenarios.map((s) => () => play(api, lab!, s, run, engine!.config.reportsDir)),
      concurrency,
    );
    scenarios.forEach((s, i) => outcomes.set(s.key ?? s.runbook, settled[i]!));
  }, 900_000);
  afterAll(async () => {
    await engine?.stop();
    await lab?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  }, 120_000);
  return {
    lab: () => lab!,
    engine: () => engine!,
    outcome(key) {
      const o = outcomes.get(key);
      if (!o) throw new Error(`scenario ${key} did not run (beforeAll failed?)`);
      if (o.status === 'rejected') throw o.reason;
      return o.value;
    },
  };
}

/** The step record of `id` in the incident. */
export function stepOf(o: Outcome, id: string): PublicIncidentState['steps'][number] {
  const s = o.state.steps.find((x) => x.id === id && x.phase !== 'verify');
  if (!s)
    throw new Error(
      `incident of ${o.state.runbook.id} has no step ${id}: ${o.state.steps.map((x) => x.id).join(', ')}`,
    );
  return s;
}

/**
 * The worker's report file records what the incident did: its id, runbook and final status,
 * every step that ran and every approval given; the intake serves the same incident's report.
 */
export function expectReportRecords(o: Outcome): void {
  const { state, report } = o;
  expect(report).toContain(`Incident \`${state.id}\``);
  expect(report).toContain(`| Runbook | \`${state.runbook.id}\``);
  expect(report).toContain(`| Final status | **${state.status}** |`);
  for (const s of state.steps.filter((x) => x.status === 'succeeded' || x.status === 'failed'))
    expect(report).toContain(`| \`${s.id}\` |`);
  for (const id of o.approved) expect(report).toContain(`approved ${id.replace(/_/gu, '\\_')}`);
  expect(o.served).toContain(`Incident \`${state.id}\``);
  expect(o.served).toContain(`| Final status | **${state.status}** |`);
}
