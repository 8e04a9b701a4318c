/** What a runbook gets for everything it leaves out. */
import { durationMs } from '../../language/actions';

export const DEFAULTS = {
  diagnosticTimeoutMs: 30_000,
  remediationTimeoutMs: 300_000,
  diagnosticAttempts: 3,
  remediationAttempts: 1,
  retryInitialIntervalMs: 1_000,
  retryBackoff: 2,
  retryMaxIntervalMs: 30_000,
  outputCapBytes: 65_536,
  approvalTimeoutMs: 30 * 60_000,
  verifyAttempts: 3,
  verifyIntervalMs: 10_000,
  resolutionTimeoutMs: 15 * 60_000,
  concurrency: 10,
  notifyOn: ['opened', 'approval_needed', 'escalated', 'resolved'] as const,
};

/** A duration as written (already checked by the schema) in ms, or `fallback` when absent. */
export const durationOr = (text: string | undefined, fallback: number): number =>
  text === undefined ? fallback : durationMs(text);
