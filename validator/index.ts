/**
 * Runbook validation: YAML (positioned), JSON Schema (ajv, all errors, mapped to the offending
 * node), then the compiler's semantic checks. Every problem is a `file:line:col: message`
 * diagnostic; nothing throws for bad input.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileDocument, type CompileOptions } from '../compiler/compile';
import type { RunbookDoc } from '../compiler/document';
import { didYouMean } from '../compiler/suggest';
import { loadYaml, positionOf, type Diagnostic, type LoadedYaml, type Position } from '../loader';
import type { Plan } from '../plan/types';
import { runbookValidator } from './generated/validators';

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

/** The runbook schema validator, compiled ahead of time (validator/generate.ts). */
function schemaValidator(): ValidateFunction {
  return runbookValidator;
}

/** `/diagnostics/0/run` → `diagnostics[0].run` */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '(document)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const DURATION_RE = '^[0-9]+(ms|s|m|h|d)$';
const ID_RE = '^[a-z0-9][a-z0-9_-]*$';

/** One ajv error → (pointer, key?, message). */
function schemaMessage(e: ErrorObject): { pointer: string; key: boolean; message: string } {
  const path = pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return {
        pointer: e.instancePath,
        key: true,
        message: `${path}: missing required property "${String(p.missingProperty)}"`,
      };
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const allowed = Object.keys(
        ((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object,
      );
      return {
        pointer: `${e.instancePath}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        key: true,
        message: `${path}: unknown property "${name}"${didYouMean(name, allowed)}`,
      };
    }
    case 'enum':
      return {
        pointer: e.instancePath,
        key: false,
        message: `${path}: must be one of ${(p.allowedValues as unknown[]).map((v) => String(v)).join(', ')} (got ${shown(e.data)})`,
      };
    case 'const':
      return {
        pointer: e.instancePath,
        key: false,
        message: `${path}: must be ${shown(p.allowedValue)} (got ${shown(e.data)})`,
      };
    case 'type':
      return {
        pointer: e.instancePath,
        key: false,
        message: `${path}: must be ${String(p.type).replace(',', ' or ')} (got ${typeOf(e.data)})`,
      };
    case 'pattern':
      if (p.pattern === DURATION_RE)
        return {
          pointer: e.instancePath,
          key: false,
          message: `${path}: invalid duration ${shown(e.data)} (use e.g. 30s, 10m, 1h)`,
        };
      if (p.pattern === ID_RE)
        return {
          pointer: e.instancePath,
          key: false,
          message: `${path}: invalid id ${shown(e.data)} (lower-case letters, digits, "-" and "_")`,
        };
      return {
        pointer: e.instancePath,
        key: false,
        message: `${path}: ${shown(e.data)} must match ${String(p.pattern)}`,
      };
    case 'propertyNames':
      return {
        pointer: `${e.instancePath}/${String(p.propertyName)}`,
        key: true,
        message: `${path}: invalid name "${String(p.propertyName)}"`,
      };
    default:
      return { pointer: e.instancePath, key: false, message: `${path}: ${e.message ?? 'is invalid'}` };
  }
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
    const diagnostics: Diagnostic[] = [];
    for (const e of validate.errors ?? []) {
      // `propertyNames` failures come with a generic twin at the same spot; keep the precise one.
      if (e.keyword === 'pattern' && e.propertyName !== undefined) continue;
      const m = schemaMessage(e);
      diagnostics.push(at(loaded, file, m.pointer, m.message, m.key));
    }
    return { file, diagnostics };
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
