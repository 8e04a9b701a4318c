/**
 * `transport: local` means "the machine of the worker that runs the step". Workers on several
 * machines share one task queue, so without a pin an incident's diagnostics and remediation
 * could run on different machines — and a non-idempotent step re-sent after its worker died
 * could run again on a machine that holds no claim of the first run.
 *
 * So the first local step of an incident asks any worker which machine it is on (the
 * `pinLocalHost` activity; any worker may answer, nothing has run yet) and every local step of
 * the incident then goes to that machine's own task queue (`<queue>@<hostId>`), polled only by
 * the workers there, which share one idempotency directory. A dedicated activity rather than the
 * first command's result: when that command's worker dies, its result — and so the machine it
 * ran on — is exactly what is lost, and its recovery must still go back to that machine.
 *
 * Behind {@link LOCAL_HOST_PIN_PATCH}: incidents started before it replay their local steps on
 * the shared queue, as they ran.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { hasChange, isCurrentType } from './versions';
import type { IncidentActivities, LocalHost } from '../../activities/types';
import type { TargetSpec } from '../../contracts/plan';
import type { IncidentStore } from './store';

/** Patch marker: local steps are pinned to the machine that ran the incident's first one. */
export const LOCAL_HOST_PIN_PATCH = 'local-steps-pinned-to-one-host';

/**
 * How long a pinned local step waits for a worker on its machine (a restart or deploy there)
 * before it fails and the runbook's `on_failure` applies: nothing ran, a human decides.
 */
export const LOCAL_HOST_WAIT_MS = 5 * 60_000;

const PIN_RETRY = { maximumAttempts: 10, initialInterval: '1s', maximumInterval: '10s' } as const;
const { pinLocalHost } = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: PIN_RETRY,
});
/**
 * The current workflow type asks the worker that holds the workflow task — any worker may answer,
 * nothing has run yet — so the answer is a marker in the same task instead of three activity
 * events and a workflow task of its own. The marker is durable before the first step is
 * scheduled, which is what the pin needs (see the module comment).
 */
const { pinLocalHost: pinLocalHostHere } = proxyLocalActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: PIN_RETRY,
});

/** Where a command step's activity goes: its own task queue, or the incident's (undefined). */
export interface StepQueue {
  taskQueue?: string;
  /** Set with `taskQueue`: how long the step may wait for a worker there. */
  scheduleToStartTimeoutMs?: number;
}

export class LocalHostPin {
  private pinned: Promise<LocalHost | undefined> | undefined;

  constructor(private readonly store: IncidentStore) {}

  /** The queue a step on `target` runs through (pins the incident on its first local step). */
  async queueFor(target: Pick<TargetSpec, 'transport'>): Promise<StepQueue> {
    if (target.transport !== 'local') return {};
    this.pinned ??= this.pin();
    let host: LocalHost | undefined;
    try {
      host = await this.pinned;
    } catch (e) {
      this.pinned = undefined; // the next local step asks again
      throw e;
    }
    return host?.taskQueue ? { taskQueue: host.taskQueue, scheduleToStartTimeoutMs: LOCAL_HOST_WAIT_MS } : {};
  }

  /**
   * Starts pinning now, alongside the incident's other opening work, so both answers land in the
   * first workflow task; the first local step then waits for it (and asks again if it failed).
   */
  prefetch(): void {
    if (this.pinned) return;
    this.pinned = this.pin();
    // Handled where a step awaits it; without this, a failed pin nobody awaited yet would fail
    // the workflow task as an unhandled rejection.
    this.pinned.catch(() => undefined);
  }

  private async pin(): Promise<LocalHost | undefined> {
    if (!hasChange(LOCAL_HOST_PIN_PATCH)) return undefined;
    const host = await (isCurrentType() ? pinLocalHostHere() : pinLocalHost());
    this.store.localHostPinned(host.hostId);
    return host;
  }
}
