/**
 * Ajv options for action parameter schemas, shared by the ahead-of-time compiled validators
 * (validator/generate.ts) and the compiler's in-process fallback. A module of its own, without
 * imports, so the generator can run even when the generated file is missing or stale.
 */
export const PARAMS_AJV_OPTIONS = { allErrors: true, strict: false, useDefaults: true } as const;
