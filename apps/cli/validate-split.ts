/**
 * `firebreak validate` on two threads when the library is large. Validation is CPU-bound and each
 * file is independent, so the second half of the files goes to a helper thread
 * (validate-helper.ts) started before this thread loads the validator: both load it and compile
 * their half at the same time, and the results are put together in file order as one thread
 * would (duplicate ids across halves included). Small libraries, a single CPU, or the CLI running
 * from its TypeScript sources (tests) keep to one thread.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EntryResult, Library, LibraryEntry } from '../../frontend/library';
import type * as LibraryModule from '../../frontend/library';
import type { ValidateOptions } from '../../frontend/validator';

/** Below this many files a second thread costs more (its start-up) than it saves. */
export const SPLIT_MIN_FILES = 100;

const splits = (entries: readonly LibraryEntry[]) => entries.length >= SPLIT_MIN_FILES;
const halfway = (entries: readonly LibraryEntry[]) => Math.ceil(entries.length / 2);

/** The files the helper thread validates (none for a small library). */
export function secondHalf(entries: readonly LibraryEntry[]): LibraryEntry[] {
  return splits(entries) ? entries.slice(halfway(entries)) : [];
}

/** The helper thread: its results (undefined if it failed), and a way to stop it unused. */
interface Helper {
  results: Promise<EntryResult[] | undefined>;
  stop(): void;
}

function startHelper(paths: string[], options: ValidateOptions): Helper | undefined {
  if (!__filename.endsWith('.js') || availableParallelism() < 2) return undefined;
  const worker = new Worker(join(__dirname, 'validate-helper.js'), { workerData: { paths, options } });
  const results = new Promise<EntryResult[] | undefined>((resolve) => {
    worker.once('message', (r: EntryResult[]) => resolve(r));
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  const stop = () => void worker.terminate();
  void results.then(stop);
  return { results, stop };
}

/** Loads and validates the library at `paths` (resolved), on two threads when it is large. */
export async function loadLibrarySplit(paths: string[], options: ValidateOptions): Promise<Library> {
  const helper = startHelper(paths, options);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the helper started, see above
  const library = require('../../frontend/library') as typeof LibraryModule;
  const { entries, diagnostics } = library.libraryEntries(paths);
  const validate = (es: readonly LibraryEntry[]) => es.map((e) => library.validateEntry(e, options));
  if (!helper || !splits(entries)) {
    helper?.stop();
    return library.assemble(entries, validate(entries), diagnostics);
  }
  const first = validate(entries.slice(0, halfway(entries)));
  const second = (await helper.results) ?? validate(secondHalf(entries));
  return library.assemble(entries, [...first, ...second], diagnostics);
}
