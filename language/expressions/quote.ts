/**
 * POSIX shell quoting. Pure: used by workflow code when commands are rendered.
 */
import { ShellQuoteError } from './errors';

/**
 * Wraps `value` in single quotes so a POSIX shell passes it through as one literal word, whatever
 * it contains (`;`, `$(…)`, backticks, quotes, newlines). Inside single quotes nothing is special
 * except `'` itself, which is closed, escaped and reopened (`'\''`). The empty string becomes
 * `''` so it still counts as an argument. NUL cannot travel through argv or a shell at all, so it
 * is rejected rather than silently truncating the command.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) {
    throw new ShellQuoteError(
      `cannot shell-quote a value containing a NUL byte: ${JSON.stringify(value.slice(0, 60))}`,
    );
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Name of the environment variable that carries secret `name` on the target:
 * `FIREBREAK_SECRET_` + the name upper-cased with every non-alphanumeric character turned into `_`
 * (`db-password` → `FIREBREAK_SECRET_DB_PASSWORD`).
 */
export function secretEnvName(name: string): string {
  return `FIREBREAK_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
