/**
 * Secrets are referenced by name in runbooks and resolved here, in activities only, from the
 * worker's config (`secrets[name] = {env}` or `{file}`). Every value resolved is registered with
 * the store's masker so it is replaced by `***` wherever captured output could carry it.
 */
import { readFile } from 'node:fs/promises';
import type { FirebreakConfig } from '../config/types';
import { secretUnavailable, unknownSecret } from './errors';

export { SECRET_ERROR_TYPES, secretUnavailable, unknownSecret } from './errors';

/** What replaces a secret value in output. */
export const MASK = '***';

/**
 * Values shorter than this are not masked: replacing every `a` or `1` in output would destroy it
 * while hiding nothing (such a secret is guessable anyway).
 */
export const MIN_MASKED_LENGTH = 3;

/** Replaces registered secret values in text. */
export class Masker {
  private readonly values = new Set<string>();
  private sorted: string[] | undefined;

  /** Registers a value (and its line-trimmed form, since shells strip trailing newlines). */
  add(value: string): void {
    for (const v of [value, value.replace(/\r?\n$/, '')]) {
      if (v.length >= MIN_MASKED_LENGTH && !this.values.has(v)) {
        this.values.add(v);
        this.sorted = undefined;
      }
    }
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    if (this.values.size === 0 || text.length === 0) return text;
    // Longest first, so a secret that contains another is masked whole.
    this.sorted ??= [...this.values].sort((a, b) => b.length - a.length);
    let out = text;
    for (const v of this.sorted) if (out.includes(v)) out = out.split(v).join(MASK);
    return out;
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
