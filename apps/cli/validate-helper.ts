/**
 * The second thread of `firebreak validate` on a large library (see validate-split.ts): validates
 * the second half of the library's files and posts the per-file results back. Loaded as a worker
 * thread from the compiled CLI only.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { libraryEntries, validateEntry } from '../../frontend/library';
import type { ValidateOptions } from '../../frontend/validator';
import { secondHalf } from './validate-split';

const { paths, options } = workerData as { paths: string[]; options: ValidateOptions };
const { entries } = libraryEntries(paths);
parentPort?.postMessage(secondHalf(entries).map((e) => validateEntry(e, options)));
