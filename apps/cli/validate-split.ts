/**
 * `firebreak validate` on two threads when the library is large. Validation is CPU-bound and each
 * file is independent, so once the files are listed (a light module: the validator is not loaded
 * yet), a large library gets a helper thread (validate-helper.ts) that loads the validator while
 * this thread does, and both take the next chunk of files from one shared counter until none is
 * left: the thread that started later, or is given less CPU on a busy machine, simply takes fewer
 * chunks. The results are put together in file order as one thread would (duplicate ids across
 * chunks included). Small libraries, a single CPU, or the CLI running from its TypeScript sources
 * (tests) keep to one thread.
 *
 * The helper sends back plan summaries (id, file, hash) unless full plans are asked for: a
 * structured clone of 300 full plans took longer than validating them.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Plan } from '../../contracts/plan';
import type { EntryResult, Library, LibraryEntry, PlanId } from '../../frontend/library';
import type * as LibraryModule from '../../frontend/library';
import { libraryEntries } from '../../frontend/library/files';
import type { ValidateOptions } from '../../frontend/validator';
import { installCodeCache } from './compile-cache';

/** Below this many files a second thread costs more (its start-up) than it saves. */
export const SPLIT_MIN_FILES = 100;

/** Files a thread takes at a time: small enough that both threads finish within a few ms. */
export const CHUNK_FILES = 8;

/** What `firebreak validate` needs of a plan it does not run. */
export interface PlanSummary extends PlanId {
  runbook: Pick<Plan['runbook'], 'id' | 'file'>;
  hash: string;
}

/** Full plans (a catch-all check reads them) or summaries (enough for the report). */
export type PlanDetail = 'full' | 'summary';

/** What the helper thread is given. `next` is the shared chunk counter (an Int32Array's buffer). */
export interface HelperData {
  entries: LibraryEntry[];
  options: ValidateOptions;
  detail: PlanDetail;
  next: SharedArrayBuffer;
}

/** One file the helper validated: its index in the library's file list, and the result. */
export interface HelperResult {
  index: number;
  result: EntryResult<PlanId>;
}

export function summarize(result: EntryResult): EntryResult<PlanSummary> {
  if (!result.plan) return { file: result.file, diagnostics: result.diagnostics };
  const { runbook, hash } = result.plan;
  return {
    file: result.file,
    diagnostics: result.diagnostics,
    plan: { runbook: { id: runbook.id, file: runbook.file }, hash },
  };
}

/**
 * Validates chunks of `entries` taken from the shared counter until none is left; `done` receives
 * each file's result by index. Both threads run this.
 */
export function takeChunks(
  entries: readonly LibraryEntry[],
  next: Int32Array,
  validate: (e: LibraryEntry) => EntryResult<PlanId>,
  done: (index: number, result: EntryResult<PlanId>) => void,
): void {
  for (;;) {
    const start = Atomics.add(next, 0, CHUNK_FILES);
    if (start >= entries.length) return;
    const end = Math.min(start + CHUNK_FILES, entries.length);
    for (let i = start; i < end; i++) done(i, validate(entries[i] as LibraryEntry));
  }
}

/** The helper thread: its results (undefined if it failed), and a way to stop it. */
interface Helper {
  results: Promise<HelperResult[] | undefined>;
  stop(): void;
}

function startHelper(data: HelperData): Helper | undefined {
  if (!__filename.endsWith('.js') || availableParallelism() < 2) return undefined;
  const worker = new Worker(join(__dirname, 'validate-helper.js'), { workerData: data });
  const results = new Promise<HelperResult[] | undefined>((resolve) => {
    worker.once('message', (r: HelperResult[]) => resolve(r));
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  const stop = () => void worker.terminate();
  void results.then(stop);
  return { results, stop };
}

type Validated<D extends PlanDetail> = D extends 'full' ? Plan : PlanSummary;

/**
 * Loads and validates the library at `paths` (resolved), on two threads when it is large. With
 * `detail: 'summary'` the plans are summaries (id, file, hash).
 */
export async function loadLibrarySplit<D extends PlanDetail>(
  paths: string[],
  options: ValidateOptions,
  detail: D,
): Promise<Library<Validated<D>>> {
  const { entries, diagnostics } = libraryEntries(paths);
  const next = new Int32Array(new SharedArrayBuffer(4));
  const helper =
    entries.length >= SPLIT_MIN_FILES
      ? startHelper({ entries, options, detail, next: next.buffer as SharedArrayBuffer })
      : undefined;
  if (__filename.endsWith('.js')) installCodeCache();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the helper started, see above
  const library = require('../../frontend/library') as typeof LibraryModule;
  const shape = (r: EntryResult) => (detail === 'full' ? r : summarize(r)) as EntryResult<Validated<D>>;
  const validate = (e: LibraryEntry) => shape(library.validateEntry(e, options));
  if (!helper) return library.assemble(entries, entries.map(validate), diagnostics);
  const results: (EntryResult<Validated<D>> | undefined)[] = new Array(entries.length);
  takeChunks(entries, next, validate, (i, r) => (results[i] = r as EntryResult<Validated<D>>));
  // Wait only when the helper took files (it may still be loading when this thread is done).
  if (results.includes(undefined)) {
    for (const { index, result } of (await helper.results) ?? []) {
      results[index] = result as EntryResult<Validated<D>>;
    }
  } else helper.stop();
  // Files the helper took but did not answer for (it failed) are validated here.
  const all = results.map((r, i) => r ?? validate(entries[i] as LibraryEntry));
  return library.assemble(entries, all, diagnostics);
}
