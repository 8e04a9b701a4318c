/** `extract:` → {@link ExtractSpec}s: values pulled out of a step's output for later conditions. */
import type { ExtractSpec } from '../../contracts/plan';
import { checkRegex } from '../../language/expressions/regex';
import type { CompileContext } from './context';
import type { ExtractDoc } from './document';

function compileOne(ctx: CompileContext, name: string, e: ExtractDoc, at: string): ExtractSpec {
  if (e.regex === undefined && e.json === undefined) ctx.fail(at, `extract "${name}" needs regex or json`);
  if (e.regex !== undefined) {
    const problem = checkRegex(e.regex, { multiline: true });
    if (problem) ctx.fail(`${at}/regex`, `invalid regular expression: ${problem.message}`, problem.offset);
  }
  const spec: ExtractSpec = { name, from: e.from ?? 'stdout', type: e.type ?? 'string' };
  if (e.regex !== undefined) spec.regex = e.regex;
  if (e.group !== undefined) spec.group = e.group;
  if (e.json !== undefined) spec.json = e.json;
  if (e.default !== undefined) spec.default = e.default;
  return spec;
}

/**
 * The step's extractions: the action's own (`builtIn`), then the runbook's, which replace an
 * action's extraction of the same name in place.
 */
export function compileExtract(
  ctx: CompileContext,
  written: Record<string, ExtractDoc> | undefined,
  pointer: string,
  builtIn: readonly ExtractSpec[] = [],
): ExtractSpec[] {
  const extract: ExtractSpec[] = [...builtIn];
  for (const [name, e] of Object.entries(written ?? {})) {
    const spec = compileOne(ctx, name, e, `${pointer}/extract/${name}`);
    const existing = extract.findIndex((x) => x.name === name);
    if (existing >= 0) extract.splice(existing, 1, spec);
    else extract.push(spec);
  }
  return extract;
}
