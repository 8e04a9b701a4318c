/**
 * `firebreak validate [paths…] [--json] [--oncall FILE]` — validate runbooks (default:
 * $FIREBREAK_RUNBOOKS, else runbooks/).
 * Exit 0 when every runbook is valid, 1 when any diagnostic is reported, 2 on a usage error.
 * Imports only the runbook pipeline (no Temporal), so it starts fast; main.ts loads it lazily.
 */
import { resolve } from 'node:path';
import type { Library } from '../../frontend/library';
import type * as CatchAllModule from '../../frontend/library/catch-all';
import { formatDiagnostics } from '../../frontend/loader/diagnostics';
import type * as OnCallModule from '../../services/oncall';
import type { CliIO } from './io';
import { EXIT } from './io';
import { loadLibrarySplit, type PlanSummary } from './validate-split';

const USAGE =
  'usage: firebreak validate [paths…] [--json] [--oncall FILE] [--max N]\n' +
  '  paths default to $FIREBREAK_RUNBOOKS, else runbooks/\n';

/** Loaded only when a catch-all is configured: it brings alert matching, which validate needs not. */
function catchAllOf(...args: Parameters<typeof CatchAllModule.catchAllProblems>): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { catchAllProblems } = require('../../frontend/library/catch-all') as typeof CatchAllModule;
  return catchAllProblems(...args);
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const paths: string[] = [];
  let json = false;
  let oncall: string | undefined;
  let max = 50;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--json') json = true;
    else if (a === '--oncall' || a === '--max') {
      const v = argv[++i];
      if (v === undefined) {
        io.err(`firebreak validate: ${a} needs a value\n${USAGE}`);
        return EXIT.usage;
      }
      if (a === '--oncall') oncall = v;
      else if (/^\d+$/.test(v)) max = Number(v);
      else {
        io.err(`firebreak validate: --max must be a number, got "${v}"\n${USAGE}`);
        return EXIT.usage;
      }
    } else if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return EXIT.ok;
    } else if (a.startsWith('-')) {
      io.err(`firebreak validate: unknown option "${a}"\n${USAGE}`);
      return EXIT.usage;
    } else paths.push(a);
  }
  // Like `firebreak start`: the library is FIREBREAK_RUNBOOKS unless paths are given.
  const library = paths.length === 0;
  if (library) paths.push(io.env.FIREBREAK_RUNBOOKS?.trim() || 'runbooks');

  // Hashes are only shown with --json; without it they would be computed for nothing.
  const options: { contacts?: Set<string>; chains?: Set<string>; hash: boolean } = { hash: json };
  if (oncall !== undefined) {
    try {
      // Loaded only with --oncall: the on-call module brings ajv's compiler (~90 ms of start-up).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { contactNames, loadOnCall } = require('../../services/oncall') as typeof OnCallModule;
      const config = loadOnCall(resolve(io.cwd, oncall));
      options.contacts = contactNames(config);
      options.chains = new Set((config.chains ?? []).map((c) => c.name));
    } catch (err) {
      io.err(`firebreak validate: cannot load on-call file ${oncall}: ${(err as Error).message}`);
      return EXIT.failed;
    }
  }

  // Paths are resolved against the CLI's cwd but printed as the user typed them.
  const resolved = paths.map((p) => (io.cwd === process.cwd() ? p : resolve(io.cwd, p)));
  // The engine refuses to start on an unfit catch-all (FIREBREAK_CATCH_ALL); say so here too. Only
  // that check reads whole plans: otherwise summaries are enough.
  const catchAll = library ? io.env.FIREBREAK_CATCH_ALL?.trim() : undefined;
  let routing: string[] = [];
  let lib: Library<PlanSummary>;
  if (catchAll) {
    const full = await loadLibrarySplit(resolved, options, 'full');
    if (!full.diagnostics.some((d) => d.severity === 'error')) routing = catchAllOf(full.plans, catchAll);
    lib = full;
  } else lib = await loadLibrarySplit(resolved, options, 'summary');
  const errors = lib.diagnostics.filter((d) => d.severity === 'error');
  if (json) {
    io.out(
      JSON.stringify(
        {
          ok: errors.length + routing.length === 0,
          files: lib.files.length,
          runbooks: lib.plans.map((p) => ({ id: p.runbook.id, file: p.runbook.file, hash: p.hash })),
          diagnostics: lib.diagnostics,
          ...(routing.length ? { catchAll: routing } : {}),
        },
        null,
        2,
      ),
    );
  } else {
    for (const line of formatDiagnostics(lib.diagnostics, max)) io.out(line);
    for (const line of routing) io.out(line);
    const summary =
      errors.length + routing.length === 0
        ? `${lib.plans.length} runbook(s) valid in ${lib.files.length} file(s)`
        : errors.length === 0
          ? `${routing.length} catch-all problem(s)`
          : `${errors.length} error(s) in ${new Set(errors.map((d) => d.file)).size} of ${lib.files.length} file(s)`;
    (errors.length + routing.length === 0 ? io.out : io.err)(summary);
  }
  return errors.length + routing.length === 0 ? EXIT.ok : EXIT.failed;
}
