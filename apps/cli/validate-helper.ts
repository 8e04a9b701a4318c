/**
 * The second thread of `firebreak validate` on a large library (see validate-split.ts): takes
 * chunks of the library's files (listed by the main thread) from the shared counter, validates
 * them, and posts the per-file results back by index. Loaded as a worker thread from the compiled
 * CLI only.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type * as LibraryModule from '../../frontend/library';
import { installCodeCache } from './compile-cache';
import type { HelperData, HelperResult } from './validate-split';
import { summarize, takeChunks } from './validate-split';

installCodeCache();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- after the code cache is installed
const { validateEntry } = require('../../frontend/library') as typeof LibraryModule;

const { entries, options, detail, next } = workerData as HelperData;
const results: HelperResult[] = [];
takeChunks(
  entries,
  new Int32Array(next),
  (e) => (detail === 'full' ? validateEntry(e, options) : summarize(validateEntry(e, options))),
  (index, result) => results.push({ index, result }),
);
parentPort?.postMessage(results);
