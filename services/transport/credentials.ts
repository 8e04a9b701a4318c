/**
 * The client's identity for SSH public-key auth: a private key from a named secret or a file, and
 * its passphrase from a secret. Read on the first dial and kept for the executor's lifetime.
 */
import { readFile } from 'node:fs/promises';
import type { FirebreakConfig } from '../config/types';
import type { SecretStore } from '../secrets';
import { sshKeyError } from './errors';

/** Key material for ssh2's `privateKey` / `passphrase`; both absent when only the agent is used. */
export interface SshCredentials {
  key?: Buffer | string;
  passphrase?: string;
}

/** Loads {@link SshCredentials} from `ssh.privateKeySecret` / `privateKeyFile` / `passphraseSecret`. */
export class CredentialSource {
  private cached: SshCredentials | undefined;

  constructor(
    private readonly cfg: FirebreakConfig['ssh'],
    private readonly secrets?: SecretStore,
  ) {}

  async get(): Promise<SshCredentials> {
    if (this.cached) return this.cached;
    const c: SshCredentials = {};
    const key = await this.privateKey();
    if (key !== undefined) c.key = key;
    if (this.cfg.passphraseSecret !== undefined && this.secrets)
      c.passphrase = await this.secrets.get(this.cfg.passphraseSecret);
    this.cached = c;
    return c;
  }

  private async privateKey(): Promise<Buffer | string | undefined> {
    const { privateKeySecret, privateKeyFile } = this.cfg;
    if (privateKeySecret !== undefined) {
      if (!this.secrets)
        throw sshKeyError(`ssh.privateKeySecret "${privateKeySecret}" set but no secret store given`);
      return this.secrets.get(privateKeySecret);
    }
    if (privateKeyFile === undefined) return undefined;
    try {
      return await readFile(privateKeyFile);
    } catch (e) {
      throw sshKeyError(`cannot read private key file ${privateKeyFile}: ${(e as Error).message}`);
    }
  }
}
