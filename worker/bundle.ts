/**
 * The workflow bundle, built once by `npm run build` (`node dist/worker/bundle.js`) instead of by
 * every worker at start-up. Bundling runs webpack in the worker's process: seconds of CPU at each
 * start and about 80 MB of resident memory the process keeps afterwards (measured with
 * bench:engine). A worker running from dist/ loads the prebuilt file when it is at least as new
 * as everything it was built from; otherwise (sources run directly, or a stale build) it bundles
 * as before.
 */
import { readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { WorkflowBundlePath, WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** Where `npm run build` writes the bundle: next to the compiled worker. */
export const PREBUILT_BUNDLE = join(__dirname, 'workflow-bundle.js');

/** The compiled folders the workflow bundle is made of (see the sandbox zones in eslint.config.mjs). */
const BUNDLED_FOLDERS = ['workflows', 'contracts', 'language'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.js')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The prebuilt bundle, or undefined when there is none or it is older than its inputs. */
export function prebuiltBundle(): WorkflowBundlePath | undefined {
  try {
    const built = statSync(PREBUILT_BUNDLE).mtimeMs;
    const root = join(__dirname, '..');
    const sdk = statSync(
      join(dirname(require.resolve('@temporalio/workflow')), '..', 'package.json'),
    ).mtimeMs;
    const inputs = Math.max(sdk, ...BUNDLED_FOLDERS.map((f) => newestMtime(join(root, f))));
    return built >= inputs ? { codePath: PREBUILT_BUNDLE } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Modules every workflow shares instead of loading its own copy. In the reusable V8 context each
 * workflow otherwise instantiates every module of the bundle again: the CEL library builds its
 * function tables, our expression and plan modules their caches, per incident — measured as most
 * of a new workflow's CPU and of a cached workflow's memory. Only modules without per-workflow
 * state belong here (the sandbox rules make language/ and contracts/ pure; their caches memoise
 * pure functions of their input, so sharing them cannot change what a workflow does). The SDK
 * deep-freezes their exports, so a module that did keep state would fail loudly, not leak.
 */
export const SHARED_WORKFLOW_MODULES = [
  // First: it caps stack capture in the context (see the module) before anything else runs there.
  require.resolve('../workflows/stack-traces'),
  '@marcbachmann/cel-js',
  require.resolve('../language/expressions'),
  require.resolve('../language/plan/context'),
  require.resolve('../language/plan/match'),
  require.resolve('../contracts/incident'),
  require.resolve('../contracts/failures'),
  require.resolve('../contracts/refusals'),
];

/** Bundles workflows/ (quietly: webpack's per-module report is noise on an operator's console). */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    preloadModules: SHARED_WORKFLOW_MODULES,
    logger: new DefaultLogger('WARN'),
  });
}

/** Writes the bundle atomically, so a worker starting meanwhile never reads half a file. */
export async function writePrebuiltBundle(): Promise<void> {
  const { code } = await bundleWorkflows();
  const tmp = `${PREBUILT_BUNDLE}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, PREBUILT_BUNDLE);
}

if (require.main === module) {
  writePrebuiltBundle().catch((err: unknown) => {
    process.stderr.write(`workflow bundle: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
