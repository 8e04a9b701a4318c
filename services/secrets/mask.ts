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

/**
 * The forms a secret commonly takes on its way into output: its text, JSON-escaped (an error
 * quoting a config), URL-encoded (a DSN) and, for values long enough not to collide with ordinary
 * text, base64.
 */
export function secretForms(secret: string, minLength = MIN_MASKED_LENGTH): string[] {
  if (secret.length < minLength) return [];
  // A value read from a file usually ends in a newline: masking the trimmed text hides every
  // textual form (they contain it) without swallowing the output's own line breaks. Base64 has
  // no such containment, so both encodings are masked.
  const text = secret.trim() || secret;
  const forms = new Set([text, JSON.stringify(text).slice(1, -1), encodeURIComponent(text)]);
  for (const v of new Set([secret, text])) {
    if (v.length >= 8) forms.add(Buffer.from(v, 'utf8').toString('base64'));
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
