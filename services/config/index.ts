/**
 * Loads {@link FirebreakConfig} from environment variables plus an optional YAML file
 * (`FIREBREAK_CONFIG`, default `$FIREBREAK_HOME/firebreak.yaml`). The file holds what does not fit
 * in env vars (inventory, secret sources, API tokens); for anything both set, the environment wins.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors';
import { repoRoot } from './paths';
import { checkInventory, checkSeverityFrom } from './inventory';
import { alertLimitsFrom, rateLimitsFrom } from './protection';
import type { FirebreakConfig, WorkerSettings } from './types';

/** Task queue the workers poll unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'firebreak';

export { ConfigError } from './errors';
export type { FirebreakConfig, InventoryHost, WorkerSettings } from './types';

type Env = Record<string, string | undefined>;

/** Deep-partial config, as a YAML file or a caller's overrides may give it. */
export type ConfigOverrides = {
  [K in keyof FirebreakConfig]?: FirebreakConfig[K] extends Record<string, unknown>
    ? Partial<FirebreakConfig[K]>
    : FirebreakConfig[K];
};

function str(env: Env, key: string): string | undefined {
  const v = env[key];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, key: string, min: number, max: number): number | undefined {
  const raw = str(env, key);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(key, `expected an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(key, `${n} is out of range ${min}..${max}`);
  return n;
}

function bool(env: Env, key: string): boolean | undefined {
  const raw = str(env, key);
  if (raw === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(key, `expected true/false, got "${raw}"`);
}

function url(key: string, raw: string | undefined, protocols: string[]): string | undefined {
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(key, `not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(key, `URL scheme "${parsed.protocol}" is not one of ${protocols.join(', ')}`);
  }
  return raw;
}

function address(key: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(raw)) {
    throw new ConfigError(key, `expected host:port, got "${raw}"`);
  }
  return raw;
}

/** `{ [key]: value }` when value is set, else nothing (optional config fields stay absent). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function abs(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the YAML config file; a missing default file is fine, a missing explicit one is not. */
function readConfigFile(path: string, explicit: boolean): ConfigOverrides {
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError('FIREBREAK_CONFIG', `file not found: ${path}`);
    return {};
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError('FIREBREAK_CONFIG', `${path} is not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc))
    throw new ConfigError('FIREBREAK_CONFIG', `${path} must hold a mapping at the top level`);
  return doc as ConfigOverrides;
}

function checkSecrets(s: unknown): Record<string, { env?: string; file?: string }> {
  if (s === undefined) return {};
  if (!isRecord(s)) throw new ConfigError('secrets', 'must be a mapping of secret name → {env|file}');
  for (const [name, src] of Object.entries(s)) {
    if (!isRecord(src) || (typeof src.env !== 'string' && typeof src.file !== 'string')) {
      throw new ConfigError(
        `secrets.${name}`,
        `expected {env: VAR} or {file: path}, got ${JSON.stringify(src)}`,
      );
    }
  }
  return s as Record<string, { env?: string; file?: string }>;
}

/**
 * The approval-link HMAC key: `FIREBREAK_APPROVAL_KEY`, else a random key generated once and kept
 * in `$FIREBREAK_HOME/approval.key` (0600) so links stay valid across restarts.
 */
function approvalKey(env: Env, home: string, fromFile: string | undefined): string {
  const explicit = str(env, 'FIREBREAK_APPROVAL_KEY') ?? fromFile;
  if (explicit !== undefined) {
    if (explicit.length < 16)
      throw new ConfigError('FIREBREAK_APPROVAL_KEY', 'must be at least 16 characters');
    return explicit;
  }
  const file = join(home, 'approval.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length >= 16) return key;
  }
  mkdirSync(home, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

/**
 * The worker settings of `config`. Configurations built by hand (tests, benchmarks) without them
 * get this machine's hostname and claims under their own home, so they never share claims with
 * anything else; {@link loadConfig} always sets them.
 */
export function workerSettings(config: Pick<FirebreakConfig, 'worker' | 'home'>): WorkerSettings {
  return config.worker ?? { hostId: hostname(), localIdempotencyDir: join(config.home, 'idem') };
}

function readWorkerSettings(
  env: Env,
  cwd: string,
  file: ConfigOverrides,
  o: ConfigOverrides,
): WorkerSettings {
  const fw: Partial<WorkerSettings> = file.worker ?? {};
  const hostId = o.worker?.hostId ?? str(env, 'FIREBREAK_HOST_ID') ?? fw.hostId ?? hostname();
  if (!/^[A-Za-z0-9._-]{1,100}$/u.test(hostId)) {
    throw new ConfigError('FIREBREAK_HOST_ID', `expected letters, digits, ".", "_" or "-", got "${hostId}"`);
  }
  const dir =
    o.worker?.localIdempotencyDir ??
    str(env, 'FIREBREAK_LOCAL_IDEM_DIR') ??
    fw.localIdempotencyDir ??
    join(homedir(), '.firebreak', 'idem');
  return { hostId, localIdempotencyDir: abs(cwd, dir) };
}

/** Parses `FIREBREAK_API_TOKENS` (`token=person,token2=person2`). */
function tokens(env: Env): Record<string, string> | undefined {
  const raw = str(env, 'FIREBREAK_API_TOKENS');
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) {
      throw new ConfigError(
        'FIREBREAK_API_TOKENS',
        `expected token=person pairs, got "${pair.slice(0, 4)}…"`,
      );
    }
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** A process that runs on its own, beside others it must agree with (see {@link LoadOptions}). */
export type StandaloneRole = 'worker' | 'intake';

export interface LoadOptions {
  /**
   * Set by the standalone worker and intake: links are signed by workers and verified by intakes,
   * and point at the public URL, so every such process must be given the same approval key and
   * public URL — none generates a key of its own or assumes its listen address is public.
   */
  standalone?: StandaloneRole;
}

/** Refuses a standalone process the settings it must share with the others. */
function requireShared(role: StandaloneRole, env: Env, file: ConfigOverrides, o: ConfigOverrides): void {
  const others =
    role === 'worker'
      ? 'the intakes verify the approval links it signs'
      : 'workers sign the links it verifies';
  if ((o.approvalSigningKey ?? str(env, 'FIREBREAK_APPROVAL_KEY') ?? file.approvalSigningKey) === undefined) {
    throw new ConfigError(
      'FIREBREAK_APPROVAL_KEY',
      `required for a separate ${role} process (${others}): give every worker and intake the same key, at least 16 characters`,
    );
  }
  if ((o.intake?.publicUrl ?? str(env, 'FIREBREAK_PUBLIC_URL') ?? file.intake?.publicUrl) === undefined) {
    throw new ConfigError(
      'FIREBREAK_PUBLIC_URL',
      `required for a separate ${role} process: the URL people reach the intakes at (e.g. their load balancer), used in every link of mails and reports`,
    );
  }
}

function severityFromConfig(raw: unknown): Pick<FirebreakConfig, 'severityFrom'> {
  const rule = checkSeverityFrom(raw);
  return rule ? { severityFrom: rule } : {};
}

/** What resolving targets needs from the configuration. */
export type TargetSettings = Pick<FirebreakConfig, 'inventory' | 'strictInventory' | 'severityFrom'>;

/**
 * Only the target settings (inventory, strict mode, severity mapping) from the config file, for
 * `firebreak plan`: nothing else is checked, and the state directory is not touched.
 */
export function loadTargetSettings(env: Env = process.env, cwd = process.cwd()): TargetSettings {
  const home = abs(cwd, str(env, 'FIREBREAK_HOME') ?? '.firebreak');
  const explicitFile = str(env, 'FIREBREAK_CONFIG');
  const file = readConfigFile(
    abs(cwd, explicitFile ?? join(home, 'firebreak.yaml')),
    explicitFile !== undefined,
  );
  return {
    inventory: checkInventory(file.inventory),
    strictInventory: bool(env, 'FIREBREAK_STRICT_INVENTORY') ?? file.strictInventory ?? false,
    ...severityFromConfig(file.severityFrom),
  };
}

/**
 * Builds the configuration. `overrides` (tests, the embedded engine) win over both env and file.
 * Throws {@link ConfigError} naming the variable and value at fault.
 */
export function loadConfig(
  env: Env = process.env,
  overrides: ConfigOverrides = {},
  options: LoadOptions = {},
): FirebreakConfig {
  const root = repoRoot();
  const cwd = process.cwd();
  const home = abs(cwd, overrides.home ?? str(env, 'FIREBREAK_HOME') ?? '.firebreak');
  const explicitFile = str(env, 'FIREBREAK_CONFIG');
  const file = readConfigFile(
    abs(cwd, explicitFile ?? join(home, 'firebreak.yaml')),
    explicitFile !== undefined,
  );
  const ft = file.temporal ?? {};
  const fi = file.intake ?? {};
  const fm = file.mail ?? {};
  const fs = file.ssh ?? {};
  const o = overrides;
  if (options.standalone) requireShared(options.standalone, env, file, o);

  const port = o.intake?.port ?? int(env, 'FIREBREAK_PORT', 0, 65535) ?? fi.port ?? 8680;
  const host = o.intake?.host ?? str(env, 'FIREBREAK_HOST') ?? fi.host ?? '127.0.0.1';
  const publicUrl =
    o.intake?.publicUrl ??
    url('FIREBREAK_PUBLIC_URL', str(env, 'FIREBREAK_PUBLIC_URL'), ['http:', 'https:']) ??
    fi.publicUrl ??
    `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const defaultOncall = existsSync(join(root, 'oncall.yaml'))
    ? join(root, 'oncall.yaml')
    : join(homedir(), 'oncall.yaml');
  const tlsCert = str(env, 'TEMPORAL_TLS_CERT');
  const tlsKey = str(env, 'TEMPORAL_TLS_KEY');
  const tlsCa = str(env, 'TEMPORAL_TLS_CA');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError(
      tlsCert ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT',
      'client TLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY',
    );
  }
  for (const [k, p] of [
    ['TEMPORAL_TLS_CERT', tlsCert],
    ['TEMPORAL_TLS_KEY', tlsKey],
    ['TEMPORAL_TLS_CA', tlsCa],
  ] as const) {
    if (p !== undefined && !existsSync(p)) throw new ConfigError(k, `file not found: ${p}`);
  }
  const tls =
    o.temporal?.tls ??
    (tlsCert || tlsCa
      ? {
          certPath: tlsCert,
          keyPath: tlsKey,
          caPath: tlsCa,
          serverName: str(env, 'TEMPORAL_TLS_SERVER_NAME'),
        }
      : ft.tls);
  // Only the NAME of the variable holding the API key is kept, so the key never lands in logs/dumps.
  const apiKeyEnv =
    o.temporal?.apiKeyEnv ?? (str(env, 'TEMPORAL_API_KEY') !== undefined ? 'TEMPORAL_API_KEY' : ft.apiKeyEnv);

  const knownHosts =
    o.ssh?.knownHostsFile ??
    str(env, 'FIREBREAK_KNOWN_HOSTS') ??
    fs.knownHostsFile ??
    join(home, 'known_hosts');
  const sshKey = o.ssh?.privateKeyFile ?? str(env, 'FIREBREAK_SSH_KEY') ?? fs.privateKeyFile;
  if (sshKey !== undefined && str(env, 'FIREBREAK_SSH_KEY') !== undefined && !existsSync(abs(cwd, sshKey))) {
    throw new ConfigError('FIREBREAK_SSH_KEY', `file not found: ${sshKey}`);
  }

  return {
    home,
    runbooksDir: abs(cwd, o.runbooksDir ?? str(env, 'FIREBREAK_RUNBOOKS') ?? file.runbooksDir ?? 'runbooks'),
    oncallFile: abs(cwd, o.oncallFile ?? str(env, 'FIREBREAK_ONCALL') ?? file.oncallFile ?? defaultOncall),
    ...optional(
      'catchAllRunbook',
      o.catchAllRunbook ?? str(env, 'FIREBREAK_CATCH_ALL') ?? file.catchAllRunbook,
    ),
    temporal: {
      address: o.temporal?.address ?? address('TEMPORAL_ADDRESS', str(env, 'TEMPORAL_ADDRESS')) ?? ft.address,
      namespace: o.temporal?.namespace ?? str(env, 'TEMPORAL_NAMESPACE') ?? ft.namespace ?? 'default',
      taskQueue:
        o.temporal?.taskQueue ?? str(env, 'FIREBREAK_TASK_QUEUE') ?? ft.taskQueue ?? DEFAULT_TASK_QUEUE,
      ...(tls ? { tls } : {}),
      ...(apiKeyEnv ? { apiKeyEnv } : {}),
      uiBaseUrl:
        o.temporal?.uiBaseUrl ??
        url('TEMPORAL_UI_URL', str(env, 'TEMPORAL_UI_URL'), ['http:', 'https:']) ??
        ft.uiBaseUrl,
    },
    intake: {
      host,
      port,
      publicUrl: publicUrl.replace(/\/+$/, ''),
      bodyLimitBytes:
        o.intake?.bodyLimitBytes ??
        int(env, 'FIREBREAK_BODY_LIMIT', 1024, 64 << 20) ??
        fi.bodyLimitBytes ??
        1 << 20,
      tokens: { ...(fi.tokens ?? {}), ...(tokens(env) ?? {}), ...(o.intake?.tokens ?? {}) },
      alertToken: o.intake?.alertToken ?? str(env, 'FIREBREAK_ALERT_TOKEN') ?? fi.alertToken,
      openReads: o.intake?.openReads ?? bool(env, 'FIREBREAK_OPEN_READS') ?? fi.openReads ?? false,
      allowInsecureBind:
        o.intake?.allowInsecureBind ??
        bool(env, 'FIREBREAK_ALLOW_INSECURE_BIND') ??
        fi.allowInsecureBind ??
        false,
      sessionTtlMs:
        o.intake?.sessionTtlMs ??
        int(env, 'FIREBREAK_SESSION_TTL_MS', 60_000, 7 * 86_400_000) ??
        fi.sessionTtlMs ??
        12 * 3_600_000,
      limits: alertLimitsFrom(env, fi.limits, o.intake?.limits),
      rateLimit: rateLimitsFrom(env, fi.rateLimit, o.intake?.rateLimit),
    },
    mail: {
      smtpUrl: o.mail?.smtpUrl ?? url('SMTP_URL', str(env, 'SMTP_URL'), ['smtp:', 'smtps:']) ?? fm.smtpUrl,
      from: o.mail?.from ?? str(env, 'FIREBREAK_MAIL_FROM') ?? fm.from ?? 'Firebreak <firebreak@localhost>',
      outboxDir: abs(home, o.mail?.outboxDir ?? str(env, 'FIREBREAK_OUTBOX') ?? fm.outboxDir ?? 'outbox'),
    },
    reportsDir: abs(home, o.reportsDir ?? str(env, 'FIREBREAK_REPORTS') ?? file.reportsDir ?? 'reports'),
    approvalSigningKey: o.approvalSigningKey ?? approvalKey(env, home, file.approvalSigningKey),
    approvalLinkTtlMs:
      o.approvalLinkTtlMs ??
      int(env, 'FIREBREAK_APPROVAL_TTL_MS', 1000, 30 * 86_400_000) ??
      file.approvalLinkTtlMs ??
      86_400_000,
    ssh: {
      knownHostsFile: abs(cwd, knownHosts),
      ...(sshKey !== undefined ? { privateKeyFile: abs(cwd, sshKey) } : {}),
      privateKeySecret:
        o.ssh?.privateKeySecret ?? str(env, 'FIREBREAK_SSH_KEY_SECRET') ?? fs.privateKeySecret,
      passphraseSecret:
        o.ssh?.passphraseSecret ?? str(env, 'FIREBREAK_SSH_PASSPHRASE_SECRET') ?? fs.passphraseSecret,
      useAgent: o.ssh?.useAgent ?? bool(env, 'FIREBREAK_SSH_AGENT') ?? fs.useAgent ?? false,
      acceptUnknownHosts:
        o.ssh?.acceptUnknownHosts ??
        bool(env, 'FIREBREAK_SSH_ACCEPT_UNKNOWN') ??
        fs.acceptUnknownHosts ??
        false,
      connectTimeoutMs:
        o.ssh?.connectTimeoutMs ??
        int(env, 'FIREBREAK_SSH_CONNECT_TIMEOUT_MS', 100, 600_000) ??
        fs.connectTimeoutMs ??
        10_000,
      keepaliveIntervalMs: o.ssh?.keepaliveIntervalMs ?? fs.keepaliveIntervalMs ?? 15_000,
      poolMaxPerHost:
        o.ssh?.poolMaxPerHost ?? int(env, 'FIREBREAK_SSH_POOL_MAX', 1, 64) ?? fs.poolMaxPerHost ?? 4,
      poolIdleMs: o.ssh?.poolIdleMs ?? fs.poolIdleMs ?? 60_000,
    },
    worker: readWorkerSettings(env, cwd, file, o),
    inventory: checkInventory(o.inventory ?? file.inventory),
    strictInventory:
      o.strictInventory ?? bool(env, 'FIREBREAK_STRICT_INVENTORY') ?? file.strictInventory ?? false,
    ...severityFromConfig(o.severityFrom ?? file.severityFrom),
    secrets: checkSecrets(o.secrets ?? file.secrets),
  };
}
