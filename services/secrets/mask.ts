/**
 * Masking secret values: one rule for everything Firebreak shows (captured command output, mail,
 * reports). Pure: no I/O.
 */

/** What replaces a secret value. */
export const MASK = '***';

/**
 * Values shorter than this are not masked: replacing every `a` or `1` would destroy the text
 * while hiding nothing a guess would not find.
 */
export const MIN_MASKED_LENGTH = 3;

/** Shortest encoded form (base64 run, hex) worth masking: shorter ones collide with ordinary text. */
const MIN_ENCODED_LENGTH = 8;

/**
 * The base64 characters that depend on `bytes` alone when it is encoded after `offset` (0, 1 or 2)
 * bytes of anything and followed by anything: `echo "$S" | base64` (a trailing newline), or
 * base64 of `user:secret` (a prefix), contain one of the three.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (const offset of [0, 1, 2]) {
    const n = offset + bytes.length;
    const enc = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = [0, 2, 3][offset] ?? 0;
    const end = Math.floor(n / 3) * 4 + [0, 1, 2][n % 3]!;
    if (end - start >= MIN_ENCODED_LENGTH) cores.push(enc.slice(start, end));
  }
  return cores;
}

/** URL encodings: encodeURIComponent, lower-case escapes, form encoding, and `/` left alone. */
function urlForms(text: string): string[] {
  const strict = encodeURIComponent(text);
  const lower = strict.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
  return [strict, lower, strict.replace(/%20/g, '+'), strict.replace(/%2F/g, '/')];
}

/**
 * The forms a secret commonly takes on its way into output: its text, JSON-escaped (an error
 * quoting a config), URL-encoded (a DSN), hex (`xxd -p`, `od`), and base64 at every alignment —
 * alone, with a trailing newline, or after a prefix such as `user:` in a Basic auth header.
 */
export function secretForms(secret: string, minLength = MIN_MASKED_LENGTH): string[] {
  if (secret.length < minLength) return [];
  // A value read from a file usually ends in a newline: masking the trimmed text hides every
  // textual form (they contain it) without swallowing the output's own line breaks.
  const text = secret.trim() || secret;
  const forms = new Set([text, JSON.stringify(text).slice(1, -1), ...urlForms(text)]);
  const bytes = Buffer.from(text, 'utf8');
  // The whole encodings first (longest first masks them with their padding), then the cores.
  for (const v of new Set([secret, text, `${text}\n`])) {
    if (v.length >= MIN_ENCODED_LENGTH) forms.add(Buffer.from(v, 'utf8').toString('base64'));
  }
  for (const core of base64Cores(bytes)) forms.add(core);
  const hex = bytes.toString('hex');
  if (hex.length >= MIN_ENCODED_LENGTH) {
    forms.add(hex);
    forms.add(hex.toUpperCase());
  }
  return [...forms].filter((f) => f.length >= minLength);
}

/** Replaces each form in `text`, longest first, so a secret containing another is masked whole. */
export function maskForms(text: string, longestFirst: readonly string[]): string {
  let out = text;
  for (const form of longestFirst) if (out.includes(form)) out = out.split(form).join(MASK);
  return out;
}

/** Sorts forms for {@link maskForms}: longest first, ties in a stable order. */
export function orderForms(forms: Iterable<string>): string[] {
  return [...new Set(forms)].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}
