/** Positioned diagnostics shared by the loader, validator, library and CLI. */

/** 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/** One problem in one file, printed as `file:line:col: message`. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  severity: 'error' | 'warning';
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

/** Sorts by file, line, column, then message (stable, deterministic output for golden tests). */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.col - b.col ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

/** Default cap on printed diagnostics per run. */
export const MAX_DIAGNOSTICS = 50;

/**
 * Sorted, de-duplicated, capped lines; past `max` a final line says how many were left out.
 */
export function formatDiagnostics(ds: Diagnostic[], max = MAX_DIAGNOSTICS): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const d of sortDiagnostics(ds)) {
    const line = formatDiagnostic(d);
    if (!seen.has(line)) {
      seen.add(line);
      lines.push(line);
    }
  }
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max), `... and ${lines.length - max} more`];
}
