/** A reason the engine cannot start or run, meant to be printed as is (no stack trace). */
export class EngineError extends Error {
  override name = 'EngineError';
}
