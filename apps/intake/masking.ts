/**
 * Masking of secret values in what the console shows: the same secrets the worker resolves
 * (config `secrets`), looked up once when the intake starts. Step output is already masked by the
 * activity that captured it; this is the second line, as the report has one.
 */
import type { FirebreakConfig } from '../../services/config/types';
import { SecretStore } from '../../services/secrets';

/** The masker of what the console shows, and the secret values behind it. */
export interface IntakeMasking {
  mask(text: string): string;
  /** The secret values (for the report renderer's own masking). */
  values(): string[];
}

export async function loadMasking(config: Pick<FirebreakConfig, 'secrets'>): Promise<IntakeMasking> {
  const store = new SecretStore(config.secrets);
  const values: string[] = [];
  for (const name of store.names()) {
    try {
      values.push(await store.get(name));
    } catch {
      // A secret this process cannot resolve cannot have leaked through it either.
    }
  }
  return { mask: (text) => store.masker.mask(text), values: () => [...values] };
}
