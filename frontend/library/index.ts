/**
 * A runbook library: every `*.yaml`/`*.yml` under a directory (or an explicit file list),
 * validated and compiled, with ids unique across the library; and which plans an alert triggers.
 */
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { AlertInstance } from '../../contracts/alert';
import { loadYamlPositioned, positionOf, sortDiagnostics, type Diagnostic, type Position } from '../loader';
import { matchesTrigger } from '../../language/plan/match';
import type { Plan } from '../../contracts/plan';
import { validateRunbook, type ValidateOptions } from '../validator';
import { cannotRead, libraryEntries, type LibraryEntry } from './files';

export * from './files';

/** What assembling a library needs of a plan: its id (a full {@link Plan}, or a summary of one). */
export interface PlanId {
  runbook: { id: string };
}

export interface Library<P extends PlanId = Plan> {
  plans: P[];
  /** Sorted by file, line, column. */
  diagnostics: Diagnostic[];
  /** Every runbook file looked at, in order. */
  files: string[];
}

/** What validating one file produced. */
export interface EntryResult<P extends PlanId = Plan> {
  file: string;
  diagnostics: Diagnostic[];
  plan?: P;
}

/** Where `metadata.id` sits in a file (read again: only needed for the rare duplicate id). */
function idPosition(file: string): Position {
  try {
    return positionOf(loadYamlPositioned(readFileSync(file, 'utf8'), file), '/metadata/id');
  } catch {
    return { line: 1, col: 1 };
  }
}

/**
 * `file` relative to `root`. The walk made `file` by joining names onto `root`, so when it starts
 * with `root/` the rest is the answer (`relative` resolves both against the cwd, 600 times).
 */
function planFile(root: string, file: string): string {
  return file.startsWith(root + sep) && !root.endsWith(sep)
    ? file.slice(root.length + 1)
    : relative(root, file);
}

export function validateEntry({ file, root }: LibraryEntry, options: ValidateOptions): EntryResult {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    return { file, diagnostics: [cannotRead(file, err)] };
  }
  const result = validateRunbook(source, file, { ...options, planFile: root ? planFile(root, file) : file });
  if (!result.plan) return { file, diagnostics: result.diagnostics };
  return { file, diagnostics: result.diagnostics, plan: result.plan };
}

/** Puts per-file results together in file order: the first definition of an id wins. */
export function assemble<P extends PlanId>(
  entries: LibraryEntry[],
  results: EntryResult<P>[],
  diagnostics: Diagnostic[],
): Library<P> {
  const plans: P[] = [];
  const byId = new Map<string, string>();
  for (const r of results) {
    diagnostics.push(...r.diagnostics);
    if (!r.plan) continue;
    const first = byId.get(r.plan.runbook.id);
    if (first !== undefined) {
      diagnostics.push({
        file: r.file,
        ...idPosition(r.file),
        severity: 'error',
        message: `duplicate runbook id "${r.plan.runbook.id}" (also defined in ${first})`,
      });
      continue;
    }
    byId.set(r.plan.runbook.id, r.file);
    plans.push(r.plan);
  }
  return { plans, diagnostics: sortDiagnostics(diagnostics), files: entries.map((e) => e.file) };
}

/**
 * Loads a library from a directory (plan files relative to it) or from a list of files and/or
 * directories. Unreadable paths and duplicate ids are diagnostics too.
 */
export function loadLibrary(input: string | readonly string[], options: ValidateOptions = {}): Library {
  const { entries, diagnostics } = libraryEntries(input);
  return assemble(
    entries,
    entries.map((e) => validateEntry(e, options)),
    diagnostics,
  );
}

/** Firing or resolved, the plans whose trigger matches the alert's labels, in library order. */
export function matchAlert(plans: readonly Plan[], alert: Pick<AlertInstance, 'labels'>): Plan[] {
  return plans.filter((p) => matchesTrigger(p.trigger, alert.labels));
}
