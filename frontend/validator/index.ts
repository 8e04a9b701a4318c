/**
 * Runbook validation: YAML (positioned), JSON Schema (ajv, all errors, mapped to the offending
 * node), then the compiler's semantic checks. Every problem is a `file:line:col: message`
 * diagnostic; nothing throws for bad input.
 */
import type { ValidateFunction } from 'ajv';
import { compileDocument, type CompileOptions } from '../compiler/compile';
import type { RunbookDoc } from '../compiler/document';
import { loadYaml, positionOf, type Diagnostic, type LoadedYaml, type Position } from '../loader';
import { RUNBOOK_WORDING, schemaProblems } from '../loader/schema-errors';
import type { Plan } from '../../contracts/plan';
import { runbookValidator } from '../../schema/generated/validators';

export { pointerToPath } from '../loader/pointer';

export interface ValidateOptions extends CompileOptions {
  /** Path stored in the plan (`runbook.file`, relative to the library root); default: the file name. */
  planFile?: string;
}

export interface ValidationResult {
  file: string;
  diagnostics: Diagnostic[];
  /** The compiled plan, present only when there are no errors. */
  plan?: Plan;
  /** Position of a JSON pointer in this file (e.g. `/metadata/id` for library-level diagnostics). */
  locate?: (pointer: string) => Position;
}

/** The runbook schema validator, compiled ahead of time (validator/generate.ts → schema/generated/). */
function schemaValidator(): ValidateFunction {
  return runbookValidator;
}

function at(
  loaded: LoadedYaml,
  file: string,
  pointer: string,
  message: string,
  key = false,
  offset?: number,
): Diagnostic {
  let pos = positionOf(loaded, pointer, key);
  const node = loaded.positions.get(pointer);
  if (offset !== undefined && node && node.inlineOffset !== undefined && !key) {
    pos = { line: node.value.line, col: node.value.col + node.inlineOffset + offset };
  }
  return { file, line: pos.line, col: pos.col, message, severity: 'error' };
}

/** Validates (and compiles) one runbook's source text. */
export function validateRunbook(
  source: string,
  file: string,
  options: ValidateOptions = {},
): ValidationResult {
  const loaded = loadYaml(source, file);
  if (loaded.diagnostics.length > 0) return { file, diagnostics: loaded.diagnostics };
  const validate = schemaValidator();
  if (!validate(loaded.value)) {
    const problems = schemaProblems(validate.errors, RUNBOOK_WORDING);
    return { file, diagnostics: problems.map((p) => at(loaded, file, p.pointer, p.message, p.key)) };
  }
  const diagnostics: Diagnostic[] = [];
  let plan: Plan | undefined;
  try {
    plan = compileDocument(
      loaded.value as RunbookDoc,
      options.planFile ?? file,
      (pointer, message, offset) => diagnostics.push(at(loaded, file, pointer, message, false, offset)),
      options,
    );
  } catch (err) {
    // A compiler bug must still surface as a diagnostic, not a stack trace.
    diagnostics.push({
      file,
      line: 1,
      col: 1,
      severity: 'error',
      message: `internal error while compiling: ${(err as Error).message}`,
    });
  }
  return plan && diagnostics.length === 0
    ? { file, diagnostics, plan, locate: (pointer: string) => positionOf(loaded, pointer) }
    : { file, diagnostics };
}
