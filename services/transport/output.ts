/**
 * Turning a command's raw output into what the workflow keeps: secrets masked, values extracted
 * from the FULL (masked) output, then each stream capped with a visible truncation marker.
 */
import type { ExtractedValue, ExtractSpec } from '../../contracts/plan';
import { linearRegex, REGEX_LIMITS, type LinearRegex } from '../../language/expressions/regex';

/**
 * Hard ceiling on output held in memory per stream for extraction; beyond it bytes are dropped
 * (and the stream is marked truncated) so a runaway command cannot exhaust the worker.
 */
export const MAX_RETAINED_BYTES = 16 * 1024 * 1024;

/** Accumulates one stream's chunks up to {@link MAX_RETAINED_BYTES}. */
export class StreamBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;

  constructor(private readonly limit = MAX_RETAINED_BYTES) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const take = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(take);
    this.size += take.length;
    this.dropped += chunk.length - take.length;
  }

  get length(): number {
    return this.size;
  }

  toBuffer(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }
}

/** Marker appended to a capped stream. */
export function truncationMarker(omittedBytes: number): string {
  return `\n…[truncated: ${omittedBytes} more bytes]`;
}

/**
 * Caps `text` to `capBytes` UTF-8 bytes (cut on a character boundary), appending the truncation
 * marker when anything was cut or `extraDropped` bytes were never retained.
 */
export function capText(
  text: string,
  capBytes: number,
  extraDropped = 0,
): { text: string; truncated: boolean } {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= capBytes && extraDropped === 0) return { text, truncated: false };
  let end = Math.min(Math.max(0, capBytes), buf.length);
  // Step back over UTF-8 continuation bytes so no character is split.
  while (end > 0 && end < buf.length && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  const omitted = buf.length - end + extraDropped;
  return { text: buf.subarray(0, end).toString('utf8') + truncationMarker(omitted), truncated: true };
}

/**
 * Converts a raw match. number: a finite number; boolean: true/yes/on/1/t and false/no/off/0/f,
 * any other non-empty match true; json: parsed; string: as is. Failures give the default.
 */
function convert(raw: unknown, spec: ExtractSpec): ExtractedValue {
  const fallback: ExtractedValue = spec.default ?? null;
  if (raw === undefined || raw === null) return fallback;
  switch (spec.type) {
    case 'string':
      return typeof raw === 'string' ? raw : JSON.stringify(raw);
    case 'number': {
      if (typeof raw === 'number') return Number.isFinite(raw) ? raw : fallback;
      if (typeof raw !== 'string' || raw.trim() === '') return fallback;
      const n = Number(raw.trim());
      return Number.isFinite(n) ? n : fallback;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['true', 'yes', 'on', '1', 't'].includes(s)) return true;
      if (['false', 'no', 'off', '0', 'f'].includes(s)) return false;
      // Any other non-empty match is evidence the pattern was found (`regex: '^(noop)$'`): true.
      return s === '' ? fallback : true;
    }
    case 'json': {
      if (typeof raw !== 'string') return raw as ExtractedValue;
      try {
        return JSON.parse(raw) as ExtractedValue;
      } catch {
        return fallback;
      }
    }
  }
}

function jsonPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const seg of path.split('.').filter((s) => s !== '')) {
    if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)];
    else if (cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, seg)) {
      cur = (cur as Record<string, unknown>)[seg];
    } else return undefined;
  }
  return cur;
}

/** Applies one extraction rule to a stream's text; a miss or failed conversion gives the default. */
export function extractValue(spec: ExtractSpec, text: string): ExtractedValue {
  let raw: unknown;
  if (spec.regex !== undefined) {
    let re: LinearRegex;
    try {
      // Linear time, over the first MiB of the stream: output cannot stall the worker.
      re = linearRegex(spec.regex, { multiline: true, maxInput: REGEX_LIMITS.maxOutputInput });
    } catch {
      return spec.default ?? null;
    }
    const m = re.exec(text);
    if (m === null) return spec.default ?? null;
    const group = spec.group ?? (m.length > 1 ? 1 : 0);
    raw = m[group];
    if (spec.json !== undefined && typeof raw === 'string') {
      try {
        raw = jsonPath(JSON.parse(raw), spec.json);
      } catch {
        return spec.default ?? null;
      }
    }
  } else if (spec.json !== undefined) {
    try {
      raw = jsonPath(JSON.parse(text), spec.json);
    } catch {
      return spec.default ?? null;
    }
  } else {
    raw = text.trim();
  }
  return convert(raw, spec);
}

/** All extraction rules of a step over one host's (masked, full) output. */
export function extractAll(
  specs: readonly ExtractSpec[],
  out: { stdout: string; stderr: string },
): Record<string, ExtractedValue> {
  const values: Record<string, ExtractedValue> = {};
  for (const s of specs) values[s.name] = extractValue(s, s.from === 'stderr' ? out.stderr : out.stdout);
  return values;
}
