/**
 * Secrets are referenced by name in runbooks and resolved here, in activities only, from the
 * worker's config (`secrets[name] = {env}` or `{file}`). Every value resolved is registered with
 * the store's masker so it is replaced by `***` wherever captured output could carry it.
 */
import { readFile } from 'node:fs/promises';
import type { FirebreakConfig } from '../config/types';
import { secretUnavailable, unknownSecret } from './errors';
import { maskForms, orderForms, secretForms } from './mask';

export { SECRET_ERROR_TYPES, secretUnavailable, unknownSecret } from './errors';

export { MASK, MIN_MASKED_LENGTH } from './mask';

/** Replaces registered secret values (in every form {@link secretForms} lists) in text. */
export class Masker {
  private readonly forms = new Set<string>();
  private sorted: string[] | undefined;

  add(value: string): void {
    for (const f of secretForms(value)) {
      if (!this.forms.has(f)) {
        this.forms.add(f);
        this.sorted = undefined;
      }
    }
  }

  get size(): number {
    return this.forms.size;
  }

  mask(text: string): string {
    if (this.forms.size === 0 || text.length === 0) return text;
    this.sorted ??= orderForms(this.forms);
    return maskForms(text, this.sorted);
  }
}

export type SecretSources = FirebreakConfig['secrets'];

/** Resolves secrets by name and remembers every value it handed out, for masking. */
export class SecretStore {
  readonly masker = new Masker();

  constructor(
    private readonly sources: SecretSources,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  /** Names this store can resolve. */
  names(): string[] {
    return Object.keys(this.sources);
  }

  async get(name: string): Promise<string> {
    const src = Object.prototype.hasOwnProperty.call(this.sources, name) ? this.sources[name] : undefined;
    if (src === undefined) throw unknownSecret(name);
    let value: string | undefined;
    if (src.env !== undefined) {
      value = this.env[src.env];
      if (value === undefined || value === '')
        throw secretUnavailable(name, `environment variable ${src.env}`);
    } else if (src.file !== undefined) {
      try {
        value = await readFile(src.file, 'utf8');
      } catch {
        throw secretUnavailable(name, `file ${src.file}`);
      }
      // Files written by editors and `echo` end with a newline that is not part of the secret.
      value = value.replace(/\r?\n$/, '');
      if (value === '') throw secretUnavailable(name, `file ${src.file}`);
    } else {
      throw secretUnavailable(name, 'its source (neither env nor file is set)');
    }
    this.masker.add(value);
    return value;
  }

  /** Resolves several secrets, keyed by name. */
  async getAll(names: readonly string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const n of names) out[n] = await this.get(n);
    return out;
  }

  mask(text: string): string {
    return this.masker.mask(text);
  }
}
