/**
 * Configuration errors. A bad configuration never gets better by retrying, so the error is a plain
 * Error subclass with a stable name (callers print it and exit), naming the variable and value.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The environment variable or config-file key at fault. */
  readonly key: string;
  constructor(key: string, message: string) {
    super(`${key}: ${message}`);
    this.key = key;
  }
}

/**
 * A reason the engine (or a standalone intake) cannot start or run, meant to be printed as is (no
 * stack trace). Defined here, below the processes that throw it, so the engine and the intake share it.
 */
export class EngineError extends Error {
  override name = 'EngineError';
}
