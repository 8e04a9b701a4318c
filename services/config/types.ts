/**
 * Engine configuration: read by the worker, the intake and the CLI from environment variables
 * plus an optional YAML file (`FIREBREAK_CONFIG`, default `$FIREBREAK_HOME/firebreak.yaml`).
 * Environment wins over the file. Secrets are never stored here by value: only where to read them.
 */
import type { Inventory } from '../../contracts/inventory';
import type { SeverityRule } from '../../contracts/plan';

export type { Inventory, InventoryHost } from '../../contracts/inventory';

/** Limits on one alert's labels and annotations (counts, UTF-8 bytes). */
export interface IntakeAlertLimits {
  maxLabels: number;
  maxLabelBytes: number;
  maxLabelsTotalBytes: number;
  maxAnnotationBytes: number;
  maxAnnotationsTotalBytes: number;
}

/** Per-source token buckets: `burst` at once, refilled at `perSecond`; any part left out keeps its default. */
export interface IntakeRateLimits {
  enabled?: boolean;
  alertRequests?: { burst: number; perSecond: number };
  newAlerts?: { burst: number; perSecond: number };
  api?: { burst: number; perSecond: number };
  perAlert?: { burst: number; perSecond: number };
}

export interface FirebreakConfig {
  /** State directory (default `./.firebreak`): dev-server SQLite, outbox, reports, idempotency. */
  home: string;
  runbooksDir: string;
  /** Id of the library's catch-all runbook: it takes the alerts no other runbook matches (and only notifies). */
  catchAllRunbook?: string;
  /** On-call config file (people, teams, chains, approvers). */
  oncallFile: string;
  temporal: {
    /** host:port; unset means the engine starts its embedded dev server. */
    address?: string;
    namespace: string;
    taskQueue: string;
    tls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
    apiKeyEnv?: string;
    uiBaseUrl?: string;
  };
  intake: {
    host: string;
    port: number;
    /** Public base URL used in links (mail, reports). */
    publicUrl: string;
    bodyLimitBytes: number;
    /** API tokens → person ids (the token values come from env or a file, never from a runbook). */
    tokens: Record<string, string>;
    /** When set, POST /v1/alerts* require `Authorization: Bearer <token>`. */
    alertToken?: string;
    /** Reads (incident API and console pages) without a token or session (default false: 401). */
    openReads?: boolean;
    /** Listen beyond loopback without an alert token and person tokens (default false: refuse to start). */
    allowInsecureBind?: boolean;
    /** Console sign-in session lifetime (default 12 h). */
    sessionTtlMs?: number;
    /** Per-alert size limits (defaults in apps/intake/limits.ts). */
    limits?: Partial<IntakeAlertLimits>;
    /** Per-source rate limits (defaults in apps/intake/rate-limit.ts). */
    rateLimit?: IntakeRateLimits;
  };
  mail: {
    /** smtp(s)://user:pass@host:port; unset means `.eml` files in `outboxDir`. */
    smtpUrl?: string;
    from: string;
    outboxDir: string;
  };
  reportsDir: string;
  /** HMAC key for one-click approval links. */
  approvalSigningKey: string;
  approvalLinkTtlMs: number;
  ssh: {
    knownHostsFile: string;
    /** Default private key file; per-host keys come from inventory or secrets. */
    privateKeyFile?: string;
    /** Name of a secret holding a private key (PEM), used instead of a key file. */
    privateKeySecret?: string;
    passphraseSecret?: string;
    useAgent: boolean;
    /** Trust-on-first-use: explicit opt-in only. */
    acceptUnknownHosts: boolean;
    connectTimeoutMs: number;
    keepaliveIntervalMs: number;
    poolMaxPerHost: number;
    poolIdleMs: number;
  };
  /** This machine as the workers on it see it; loadConfig always fills it (see {@link workerSettings}). */
  worker?: WorkerSettings;
  /**
   * Inventory: group → machines, for targets' `group:` and, through each machine's `aliases`, for
   * mapping the names alerts use (`db1:9187`, `db1.prod`) to the SSH address, port and user.
   */
  inventory: Inventory;
  /** Refuse a host from alert data that is not in the inventory (by host or alias). */
  strictInventory?: boolean;
  /**
   * Library-wide alert label → severity mapping (e.g. severity: critical → P0), compiled into
   * every plan; a runbook's own `trigger.severityFrom` wins for the values it maps.
   */
  severityFrom?: SeverityRule;
  /** Secret name → source; values resolved by activities only. */
  secrets: Record<string, { env?: string; file?: string }>;
}

/**
 * Per-machine worker settings. Every worker process on one machine must agree on both: local
 * steps of an incident are pinned to one host id, and the idempotency claims of those steps must
 * be visible to every worker that may run them there.
 */
export interface WorkerSettings {
  /** Names this machine (`FIREBREAK_HOST_ID`, default its hostname); its workers also poll `<queue>@<hostId>`. */
  hostId: string;
  /**
   * Where local steps claim their idempotency keys (`FIREBREAK_LOCAL_IDEM_DIR`, default
   * `~/.firebreak/idem`, the same place an SSH target keeps them): a directory every worker on
   * this machine shares, never a per-process `$FIREBREAK_HOME`.
   */
  localIdempotencyDir: string;
}
