/**
 * An action's `with:` parameters: validated against the action's schema (which fills in
 * defaults), then every string checked as a shell template.
 */
import type * as AjvModule from 'ajv';
import type { ValidateFunction } from 'ajv';
import { ACTIONS } from '../../language/actions';
import type { ActionDefinition } from '../../language/actions/types';
import { escapePointer } from '../loader/pointer';
import { paramWording, schemaProblems } from '../loader/schema-errors';
import { paramValidators } from '../../schema/generated/validators';
import { PARAMS_AJV_OPTIONS } from './ajv-options';
import type { CompileContext, StepScope } from './context';
import { templateAt } from './templates';

let paramAjv: AjvModule.Ajv | undefined;
const compiledHere = new Map<string, ValidateFunction>();

/**
 * Action parameter validators (defaults filled in by ajv): compiled ahead of time by
 * validator/generate.ts; an action added since then is compiled here, once.
 */
function paramValidator(action: string): ValidateFunction {
  const pre = Object.prototype.hasOwnProperty.call(paramValidators, action)
    ? paramValidators[action]
    : undefined;
  if (pre) return pre;
  let v = compiledHere.get(action);
  if (!v) {
    // Loaded only on this rare path: ajv's compiler costs ~50 ms to load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Ajv } = require('ajv') as typeof AjvModule;
    paramAjv ??= new Ajv(PARAMS_AJV_OPTIONS);
    const def = ACTIONS[action];
    v = paramAjv.compile(def ? def.params : {});
    compiledHere.set(action, v);
  }
  return v;
}

/** Every string in the parameters must be a valid shell template; false when one is not (reported). */
function checkParamTemplates(
  ctx: CompileContext,
  value: unknown,
  pointer: string,
  scope: StepScope,
  depth = 0,
): boolean {
  if (depth > 20) return true;
  if (typeof value === 'string') return templateAt(ctx, value, 'shell', pointer, scope) !== undefined;
  if (Array.isArray(value))
    return value.every((v, i) => checkParamTemplates(ctx, v, `${pointer}/${i}`, scope, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) =>
      checkParamTemplates(ctx, v, `${pointer}/${escapePointer(k)}`, scope, depth + 1),
    );
  }
  return true;
}

/**
 * A copy of parsed YAML (plain objects, arrays, scalars) for ajv to fill defaults into; several
 * times cheaper than `structuredClone`, which serializes.
 */
function cloneData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneData);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // A `__proto__` key is data here, as the parsers made it: never the object's prototype.
    if (k === '__proto__')
      Object.defineProperty(out, k, {
        value: cloneData(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[k] = cloneData(v);
  }
  return out;
}

/**
 * The step's parameters for action `def`, defaults filled in; undefined when they do not
 * validate or a template in them does not parse (reported at `<pointer>/with…`).
 */
export function actionParams(
  ctx: CompileContext,
  def: ActionDefinition,
  written: Record<string, unknown> | undefined,
  pointer: string,
  scope: StepScope,
): Record<string, unknown> | undefined {
  const params = cloneData(written ?? {}) as Record<string, unknown>;
  const validate = paramValidator(def.name);
  if (!validate(params)) {
    const wording = paramWording(def.name, Object.keys((def.params.properties as object) ?? {}));
    for (const p of schemaProblems(validate.errors, wording))
      ctx.fail(`${pointer}/with${p.pointer}`, p.message);
    return undefined;
  }
  if (!checkParamTemplates(ctx, params, `${pointer}/with`, scope)) return undefined;
  return params;
}
