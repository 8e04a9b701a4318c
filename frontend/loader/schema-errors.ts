/**
 * ajv errors → worded problems at JSON pointers: the one place that turns a failed JSON Schema
 * keyword into a sentence. The validator uses it for the runbook schema, the compiler for action
 * parameters (`with:`); each document kind has its {@link SchemaWording}, which keeps the messages
 * that kind has always printed.
 */
import type { ErrorObject } from 'ajv';
import { escapePointer, pointerToPath } from './pointer';
import { didYouMean } from './suggest';

/** One schema problem, located by JSON pointer inside the validated value. */
export interface SchemaProblem {
  pointer: string;
  /** Point at the map key (a missing or unknown property), not at its value. */
  key: boolean;
  message: string;
}

/** How the problems of one kind of document read. */
export interface SchemaWording {
  /** The object at `e.instancePath` lacks the required `property`. */
  missing(e: ErrorObject, property: string): string;
  /** The object at `e.instancePath` has a `property` its schema does not know. */
  unknown(e: ErrorObject, property: string): string;
  /** Any other failed keyword. */
  invalid(e: ErrorObject): string;
  /** Pointer segment of an unknown property (default: escaped, as the loader's pointers are). */
  segment?(property: string): string;
}

/** One ajv error → where it points and what it says. */
export function schemaProblem(e: ErrorObject, wording: SchemaWording): SchemaProblem {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { pointer: e.instancePath, key: true, message: wording.missing(e, String(p.missingProperty)) };
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const segment = wording.segment ? wording.segment(name) : escapePointer(name);
      return { pointer: `${e.instancePath}/${segment}`, key: true, message: wording.unknown(e, name) };
    }
    case 'propertyNames':
      return {
        pointer: `${e.instancePath}/${String(p.propertyName)}`,
        key: true,
        message: wording.invalid(e),
      };
    default:
      return { pointer: e.instancePath, key: false, message: wording.invalid(e) };
  }
}

/** Every error of one validation, in ajv's order. */
export function schemaProblems(
  errors: readonly ErrorObject[] | null | undefined,
  wording: SchemaWording,
): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  for (const e of errors ?? []) {
    // `propertyNames` failures come with a generic twin at the same spot; keep the precise one.
    if (e.keyword === 'pattern' && e.propertyName !== undefined) continue;
    out.push(schemaProblem(e, wording));
  }
  return out;
}

// ---- the runbook schema ---------------------------------------------------------------------

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

/** What follows `path: ` for a failed keyword other than required/additionalProperties. */
function runbookInvalid(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => String(v)).join(', ')} (got ${shown(e.data)})`;
    case 'const':
      return `must be ${shown(p.allowedValue)} (got ${shown(e.data)})`;
    case 'type':
      return `must be ${String(p.type).replace(',', ' or ')} (got ${typeOf(e.data)})`;
    case 'pattern':
      if (p.pattern === DURATION_RE) return `invalid duration ${shown(e.data)} (use e.g. 30s, 10m, 1h)`;
      if (p.pattern === ID_RE) return `invalid id ${shown(e.data)} (lower-case letters, digits, "-" and "_")`;
      return `${shown(e.data)} must match ${String(p.pattern)}`;
    case 'propertyNames':
      return `invalid name "${String(p.propertyName)}"`;
    default:
      return e.message ?? 'is invalid';
  }
}

/**
 * The runbook schema (compiled with `verbose`, so errors carry the data and the parent schema):
 * every message leads with the offending node's path, `metadata.owners: …`.
 */
export const RUNBOOK_WORDING: SchemaWording = {
  missing: (e, property) => `${pointerToPath(e.instancePath)}: missing required property "${property}"`,
  unknown: (e, property) => {
    const allowed = Object.keys(
      ((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object,
    );
    return `${pointerToPath(e.instancePath)}: unknown property "${property}"${didYouMean(property, allowed)}`;
  },
  invalid: (e) => `${pointerToPath(e.instancePath)}: ${runbookInvalid(e)}`,
};

// ---- an action's parameters -------------------------------------------------------------------

/**
 * One action's `with:` parameters: messages lead with the action's name, `http.check: …`;
 * `params` are the names it accepts (for "did you mean"). Pointers are relative to `with`.
 */
export function paramWording(action: string, params: readonly string[]): SchemaWording {
  return {
    missing: (_e, property) => `${action}: missing parameter "${property}"`,
    unknown: (_e, property) => `${action}: unknown parameter "${property}"${didYouMean(property, params)}`,
    invalid: (e) => {
      const name = e.instancePath.slice(1);
      if (e.keyword !== 'enum') return `${action}: ${name || 'with'} ${e.message ?? 'is invalid'}`;
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      return `${action}: ${name} must be one of ${allowed.join(', ')}`;
    },
    // Parameter pointers have always carried the name as written (not escaped); kept so that
    // diagnostics keep their positions.
    segment: (property) => property,
  };
}
