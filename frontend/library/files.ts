/**
 * Which files make up a runbook library: every `*.yaml`/`*.yml` under a directory, or an explicit
 * file list. Kept apart from validation (and light to load), so `firebreak validate` can count a
 * library's files before deciding to load the validator on a second thread.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../loader/diagnostics';

/** Bounds on the directory walk (a library is tens of files; this stops a mistaken `/`). */
const MAX_DEPTH = 8;
const MAX_FILES = 20_000;

const isRunbookFile = (name: string): boolean => /\.ya?ml$/i.test(name);

/** Runbook files under `dir`, sorted, skipping hidden directories and node_modules. */
export function findRunbookFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES) return;
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && isRunbookFile(e.name) && out.length < MAX_FILES) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

/** One runbook file to validate; `root` is the directory plan file names are relative to. */
export interface LibraryEntry {
  file: string;
  root: string;
}

/** The diagnostic for a path that cannot be read. */
export function cannotRead(file: string, err: unknown): Diagnostic {
  return {
    file,
    line: 1,
    col: 1,
    severity: 'error',
    message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
  };
}

/** The runbook files named by paths (directories are walked); unreadable paths are diagnostics. */
export function libraryEntries(input: string | readonly string[]): {
  entries: LibraryEntry[];
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const entries: LibraryEntry[] = [];
  for (const path of typeof input === 'string' ? [input] : input) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      diagnostics.push(cannotRead(path, err));
      continue;
    }
    if (isDir) for (const f of findRunbookFiles(path)) entries.push({ file: f, root: path });
    else entries.push({ file: path, root: '' });
  }
  return { entries, diagnostics };
}
