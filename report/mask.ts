/**
 * Secret masking for everything the report shows. Secret values reach the report only by accident
 * (a command echoing its environment, an error message quoting a DSN); the masker makes sure they
 * leave as `***` whichever way they were written.
 */

/** Replaces every secret value in a text with {@link MASK}. Must be pure and total. */
export type Masker = (text: string) => string;

export const MASK = '***';

/**
 * Values shorter than this are not masked (as in secrets/): replacing every `a` or `1` would
 * destroy the report while hiding nothing a guess would not find.
 */
export const MIN_MASKED_LENGTH = 3;

/** A masker that changes nothing (no secrets known). */
export const identityMasker: Masker = (text) => text;

/**
 * Builds a masker from secret values. Besides the raw value it masks the forms a value commonly
 * takes on its way into output (JSON-escaped, URL-encoded, base64), because a secret quoted in a
 * JSON error or a connection URL is still the secret. Longer values are replaced first so a secret
 * containing another one is masked whole.
 */
export function createMasker(secrets: Iterable<string>, opts: { minLength?: number } = {}): Masker {
  const minLength = opts.minLength ?? MIN_MASKED_LENGTH;
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < minLength) continue;
    forms.add(secret);
    const trimmed = secret.trim();
    if (trimmed.length > 0) forms.add(trimmed);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
    // Base64 of short values is too likely to collide with ordinary text to be worth masking.
    if (secret.length >= 8) forms.add(Buffer.from(secret, 'utf8').toString('base64'));
  }
  for (const form of [...forms]) if (form.length < minLength) forms.delete(form);
  const ordered = [...forms].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  if (ordered.length === 0) return identityMasker;
  return (text) => {
    let out = text;
    for (const form of ordered) {
      if (out.includes(form)) out = out.split(form).join(MASK);
    }
    return out;
  };
}

/** Applies two maskers in turn (the caller's and one built from explicit secret values). */
export function combineMaskers(...maskers: (Masker | undefined)[]): Masker {
  const list = maskers.filter((m): m is Masker => typeof m === 'function');
  if (list.length === 0) return identityMasker;
  return (text) => list.reduce((acc, m) => m(acc), text);
}
