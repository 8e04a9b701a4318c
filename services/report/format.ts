/**
 * Deterministic formatting helpers: no locale, no clock, so the same state renders to the same
 * bytes on every machine.
 */

/** Milliseconds between two ISO timestamps, or undefined when either is missing or unparsable. */
export function msBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
  return b - a;
}

/** `850 ms`, `12.3 s`, `4m 05s`, `2h 03m 04s`, `1d 02h 03m`. Negative durations keep their sign. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const s = totalSeconds % 60;
  const m = Math.floor(totalSeconds / 60) % 60;
  const h = Math.floor(totalSeconds / 3600) % 24;
  const d = Math.floor(totalSeconds / 86_400);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${two(h)}h ${two(m)}m`;
  if (h > 0) return `${h}h ${two(m)}m ${two(s)}s`;
  return `${m}m ${two(s)}s`;
}

/** Offset of a timestamp from the incident start, `+4m 05s`; empty when not computable. */
export function formatOffset(start: string, at: string): string {
  const ms = msBetween(start, at);
  if (ms === undefined) return '';
  return ms < 0 ? formatDuration(ms) : `+${formatDuration(ms)}`;
}

/**
 * The first `maxChars` characters of an output, cut at a line end when one is near, with a note of
 * what was left out. Callers mask before cutting so a secret is never split into an unmasked tail.
 */
export function excerpt(text: string, maxChars: number): { text: string; omitted: number } {
  const trimmed = text.replace(/\s+$/u, '');
  if (trimmed.length <= maxChars) return { text: trimmed, omitted: 0 };
  let cut = trimmed.slice(0, maxChars);
  const nl = cut.lastIndexOf('\n');
  if (nl > maxChars / 2) cut = cut.slice(0, nl);
  return { text: cut, omitted: trimmed.length - cut.length };
}

/** One-line form of a multi-line text for table cells. */
export function oneLine(text: string, maxChars: number): string {
  const flat = text.trim().replace(/\r?\n/gu, ' ⏎ ').replace(/\s+/gu, ' ').trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars)}…`;
}

/** Only http(s) URLs become links; anything else (javascript:, data:) is shown as text. */
export function safeHttpUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}
