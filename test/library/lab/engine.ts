/**
 * The engine as `npm start` composes it, in this process: a real Temporal dev server, the worker
 * with the real activities (SSH to the lab, mail to the outbox, reports on disk, the shipped
 * oncall.yaml) and the intake on a free port, loaded with a copy of the shipped library whose
 * only changes are site settings (`vars:` values: the lab's ports, paths and unit names).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parse, parseDocument } from 'yaml';
import { libraryFromPlans, startIntake, type RunningIntake } from '../../../apps/intake';
import type { Plan } from '../../../contracts/plan';
import { loadLibrary } from '../../../frontend/library';
import { formatDiagnostics } from '../../../frontend/loader/diagnostics';
import { loadConfig, type ConfigOverrides, type FirebreakConfig } from '../../../services/config';
import { loadOnCall, loadPersonTokens } from '../../../services/oncall';
import { startWorker, type RunningWorker } from '../../../worker';
import { createDevServerEnv, workflowBundle } from '../../support/temporal';

const ROOT = join(__dirname, '..', '..', '..');

/** The library-wide severity mapping of examples/firebreak.yaml (the engine compiles plans with it). */
const LIBRARY_SEVERITY = (
  parse(readFileSync(join(ROOT, 'examples', 'firebreak.yaml'), 'utf8')) as {
    severityFrom: { label: string; map: Record<string, 'P0' | 'P1' | 'P2' | 'P3'> };
  }
).severityFrom;

/** runbook id → var name → the lab's value. */
export type SiteVars = Record<string, Record<string, string | number | boolean>>;

/**
 * Copies runbooks/ into `dest`, changing only `vars:` values. A var the runbook does not declare
 * is an error: the lab must never add behaviour the shipped runbook lacks.
 */
export function siteLibrary(dest: string, site: SiteVars): Plan[] {
  mkdirSync(dest, { recursive: true });
  const seen = new Set<string>();
  for (const file of readdirSync(join(ROOT, 'runbooks')).filter((f) => f.endsWith('.yaml'))) {
    const doc = parseDocument(readFileSync(join(ROOT, 'runbooks', file), 'utf8'));
    const id = String(doc.getIn(['metadata', 'id']));
    for (const [name, value] of Object.entries(site[id] ?? {})) {
      if (!doc.hasIn(['vars', name])) throw new Error(`runbook ${id} declares no var "${name}"`);
      doc.setIn(['vars', name], value);
    }
    if (site[id]) seen.add(id);
    writeFileSync(join(dest, file), doc.toString());
  }
  const unknown = Object.keys(site).filter((id) => !seen.has(id));
  if (unknown.length) throw new Error(`no shipped runbook with id ${unknown.join(', ')}`);
  const lib = loadLibrary(dest, { severityFrom: LIBRARY_SEVERITY });
  const problems = formatDiagnostics(lib.diagnostics);
  if (problems.length) throw new Error(`the site library does not validate:\n${problems.join('\n')}`);
  return lib.plans;
}

export interface Engine {
  env: TestWorkflowEnvironment;
  config: FirebreakConfig;
  plans: Plan[];
  intakeUrl: string;
  /** API token → person id, as the on-call file names them. */
  tokens: Record<string, string>;
  stop(): Promise<void>;
}

export async function startEngine(
  home: string,
  plans: Plan[],
  overrides: ConfigOverrides,
  tokenEnv: NodeJS.ProcessEnv,
): Promise<Engine> {
  const env = await createDevServerEnv();
  const oncallFile = join(ROOT, 'oncall.yaml');
  const config = loadConfig(
    { FIREBREAK_HOME: home, TEMPORAL_ADDRESS: env.address, FIREBREAK_TASK_QUEUE: 'library-e2e' },
    { ...overrides, oncallFile, intake: { host: '127.0.0.1', port: 0, ...(overrides.intake ?? {}) } },
  );
  const oncall = loadOnCall(oncallFile);
  let worker: RunningWorker | undefined;
  let intake: RunningIntake | undefined;
  try {
    worker = await startWorker(config, {
      connection: env.nativeConnection,
      workflowBundle: await workflowBundle(),
      activityDeps: { oncall, log: () => undefined },
    });
    const tokens = loadPersonTokens(oncall, tokenEnv);
    intake = await startIntake(config, { client: env.client, library: libraryFromPlans(plans), tokens });
    const running = { worker, intake };
    return {
      env,
      config,
      plans,
      intakeUrl: intake.url,
      tokens,
      async stop() {
        await running.intake.close();
        await running.worker.shutdown();
        await env.teardown();
      },
    };
  } catch (e) {
    await intake?.close();
    await worker?.shutdown();
    await env.teardown();
    throw e;
  }
}
