/**
 * Secret masking for everything the report shows. Secret values reach the report only by accident
 * (a command echoing its environment, an error message quoting a DSN); the masker makes sure they
 * leave as `***` whichever way they were written.
 */

import { maskForms, orderForms, secretForms } from '../secrets/mask';

/** Replaces every secret value in a text with {@link MASK}. Must be pure and total. */
export type Masker = (text: string) => string;

export { MASK, MIN_MASKED_LENGTH } from '../secrets/mask';

/** A masker that changes nothing (no secrets known). */
export const identityMasker: Masker = (text) => text;

/** Builds a masker from secret values, in every form {@link secretForms} lists. */
export function createMasker(secrets: Iterable<string>, opts: { minLength?: number } = {}): Masker {
  const forms: string[] = [];
  for (const secret of secrets)
    if (typeof secret === 'string') forms.push(...secretForms(secret, opts.minLength));
  if (forms.length === 0) return identityMasker;
  const ordered = orderForms(forms);
  return (text) => maskForms(text, ordered);
}

/** Applies two maskers in turn (the caller's and one built from explicit secret values). */
export function combineMaskers(...maskers: (Masker | undefined)[]): Masker {
  const list = maskers.filter((m): m is Masker => typeof m === 'function');
  if (list.length === 0) return identityMasker;
  return (text) => list.reduce((acc, m) => m(acc), text);
}
