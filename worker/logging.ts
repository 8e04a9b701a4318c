/**
 * What the worker's Temporal runtime prints for an operator: one line per entry, with the reason of
 * a failure (`activity runCommand failed (attempt 3 of incident-…): SshConnectError: …`) and never
 * the SDK's default dump of the error object — a 23-line stack trace for every SSH retry. Stack
 * traces are printed only at debug level (`FIREBREAK_LOG_LEVEL=debug`).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogEntry, LogLevel, LogMetadata, Logger } from '@temporalio/worker';
import { WORKER_HEARTBEAT_MS } from '../services/config/cluster';
import { ConfigError } from '../services/config/errors';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/** `FIREBREAK_LOG_LEVEL` (trace, debug, info, warn, error; default info). Throws on anything else. */
export function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  const raw = env.FIREBREAK_LOG_LEVEL?.trim();
  if (!raw) return 'INFO';
  const level = raw.toUpperCase() as LogLevel;
  if (!LEVELS.includes(level))
    throw new ConfigError(
      'FIREBREAK_LOG_LEVEL',
      `expected one of ${LEVELS.join(', ').toLowerCase()}, got "${raw}"`,
    );
  return level;
}

/** Metadata the SDK attaches to every entry that says nothing to an operator. */
const NOISE = new Set([
  'sdkComponent',
  'taskToken',
  'namespace',
  'workflowRunId',
  'workflowType',
  'runId',
  'activityId',
  'isLocal',
  'taskQueue',
  'durationMs',
  'error',
  'failure',
]);

const MAX_REASON = 500;

/** `Name: message`, causes appended, on one line. */
export function reasonOf(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    if (e instanceof Error) {
      const name = e.name && e.name !== 'Error' ? `${e.name}: ` : '';
      parts.push(`${name}${e.message}`);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  const line = parts.join('; caused by ').replace(/\s*\n\s*/g, ' ');
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON)}…` : line;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 200 ? `${v.slice(0, 200)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** The entry's context worth reading, as `key=value` pairs. */
function context(meta: LogMetadata | undefined): string {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(meta ?? {})) {
    if (NOISE.has(k) || k === 'activityType' || k === 'attempt' || k === 'workflowId') continue;
    const s = scalar(v);
    if (s !== undefined) pairs.push(`${k}=${s}`);
  }
  return pairs.join(', ');
}

/** One line for a log entry; the failure's reason, not its dump. */
export function formatEntry(level: LogLevel, message: string, meta?: LogMetadata): string {
  const m = meta ?? {};
  const error = m.error ?? m.failure;
  const where = [
    typeof m.attempt === 'number' ? `attempt ${m.attempt}` : undefined,
    typeof m.workflowId === 'string' ? m.workflowId : undefined,
    typeof m.durationMs === 'number' ? `${m.durationMs} ms` : undefined,
  ].filter((x): x is string => x !== undefined);
  const what =
    typeof m.activityType === 'string' && /^Activity /.test(message)
      ? `activity ${m.activityType} ${message.slice('Activity '.length)}`
      : message;
  const extra = context(m);
  const details = [...where, ...(extra ? [extra] : [])];
  return `[${level}] ${what}${details.length ? ` (${details.join(', ')})` : ''}${error !== undefined ? `: ${reasonOf(error)}` : ''}`;
}

/** A Temporal `Logger` writing {@link formatEntry} lines; at DEBUG or TRACE a failure's stack follows its line. */
export function createOperatorLogger(level: LogLevel, write: (line: string) => void): Logger {
  const verbose = LEVELS.indexOf(level) <= LEVELS.indexOf('DEBUG');
  return new DefaultLogger(level, (entry: LogEntry) => {
    write(formatEntry(entry.level, entry.message, entry.meta));
    const error = entry.meta?.error ?? entry.meta?.failure;
    if (verbose && error instanceof Error && error.stack) write(`[DEBUG] ${error.stack}`);
  });
}

/**
 * Makes {@link createOperatorLogger} the logger of this process's Temporal runtime, whose workers
 * also heartbeat to the server every {@link WORKER_HEARTBEAT_MS} (the intakes' `/healthz` counts
 * live workers by them: a SIGKILLed one stops counting within seconds). It must run before the
 * first connection or worker; returns false when a runtime already exists (then its logger and
 * heartbeat interval stay — e.g. a test that installed its own).
 */
export function installRuntimeLogger(level: LogLevel, write: (line: string) => void): boolean {
  try {
    Runtime.install({
      logger: createOperatorLogger(level, write),
      workerHeartbeatInterval: WORKER_HEARTBEAT_MS,
    });
    return true;
  } catch {
    return false;
  }
}
