/**
 * The expression layer: CEL conditions, `{{ … }}` templates and shell quoting. Pure and
 * sandbox-safe (no Node built-ins): the incident workflow imports it.
 */
export * from './errors';
export * from './quote';
export * from './cel';
export * from './template';
export * from './regex';
export * from './hosts';
