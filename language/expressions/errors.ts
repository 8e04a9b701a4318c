/**
 * Errors raised by the expression layer. They are permanent (a malformed template or a CEL
 * expression that names an unknown value will not get better on retry), so each one is a
 * non-retryable `ApplicationFailure` with a stable `type`: thrown inside the incident workflow it
 * fails the step, not the workflow task, and the validator reports it with its offset.
 *
 * Pure: bundled into the Temporal workflow sandbox.
 */
// The failure module alone: the package index also loads the data converters, ~40 ms of
// `firebreak validate`'s start-up that the expression layer never uses.
import { ApplicationFailure } from '@temporalio/common/lib/failure';

/** Stable failure type names (Temporal `ApplicationFailure.type`). */
export const EXPRESSION_ERROR_TYPES = {
  template: 'TemplateError',
  expression: 'ExpressionError',
  shellQuote: 'ShellQuoteError',
} as const;

/**
 * A `{{ … }}` template that cannot be parsed (unclosed `{{`, empty expression). `offset` is the
 * character offset within the template source where the problem starts.
 */
export class TemplateError extends ApplicationFailure {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message, EXPRESSION_ERROR_TYPES.template, true, [{ offset }]);
    this.offset = offset;
  }
}

/**
 * A CEL expression that does not parse, names an unknown value, or evaluates to the wrong type.
 * `offset` (when known) is the character offset within the expression source.
 */
export class ExpressionError extends ApplicationFailure {
  readonly expression: string;
  readonly offset?: number;
  constructor(message: string, expression: string, offset?: number) {
    super(message, EXPRESSION_ERROR_TYPES.expression, true, [{ expression, offset }]);
    this.expression = expression;
    if (offset !== undefined) this.offset = offset;
  }
}

/** A value that cannot be passed to a shell safely (it contains a NUL byte). */
export class ShellQuoteError extends ApplicationFailure {
  constructor(message: string) {
    super(message, EXPRESSION_ERROR_TYPES.shellQuote, true);
  }
}

/**
 * Type guards by failure `type`: Temporal's failure classes answer `instanceof` by a shared
 * marker, so every ApplicationFailure would pass `instanceof TemplateError`.
 */
export function isTemplateError(err: unknown): err is TemplateError {
  return err instanceof ApplicationFailure && err.type === EXPRESSION_ERROR_TYPES.template;
}
export function isExpressionError(err: unknown): err is ExpressionError {
  return err instanceof ApplicationFailure && err.type === EXPRESSION_ERROR_TYPES.expression;
}
export function isShellQuoteError(err: unknown): err is ShellQuoteError {
  return err instanceof ApplicationFailure && err.type === EXPRESSION_ERROR_TYPES.shellQuote;
}
