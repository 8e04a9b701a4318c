/**
 * Task slots with a share kept for eager tasks. Polls reserve a slot before they wait for a task,
 * and during an alert storm every poll comes back at once with work, so a fixed pool is always
 * full and eager tasks find no slot: an activity the server would hand back with the workflow
 * task that scheduled it (an incident's first diagnostic) goes through the queue instead, behind
 * every incident's mail. Here polls may hold all but `reservedForEager` slots; eager tasks may take
 * the rest, so a new incident's first command starts at once however busy the worker is.
 * (Workflow tasks no longer need this: incidents start by signal-with-start, never eagerly.)
 */
import type { CustomSlotSupplier, SlotInfo, SlotPermit } from '@temporalio/worker';

function abortError(): Error {
  const e = new Error('slot reservation aborted');
  e.name = 'AbortError';
  return e;
}

/** `total` slots, of which polls may hold at most `total - reservedForEager`. */
export function eagerReservingSlots<SI extends SlotInfo>(
  total: number,
  reservedForEager: number,
): CustomSlotSupplier<SI> {
  const pollLimit = Math.max(1, total - reservedForEager);
  let held = 0;
  const waiting: (() => void)[] = [];
  const wake = () => waiting.shift()?.();
  return {
    type: 'custom',
    async reserveSlot(_ctx, abortSignal): Promise<SlotPermit> {
      while (held >= pollLimit) {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            const i = waiting.indexOf(go);
            if (i >= 0) waiting.splice(i, 1);
            reject(abortError());
          };
          const go = () => {
            abortSignal.removeEventListener('abort', onAbort);
            resolve();
          };
          if (abortSignal.aborted) return onAbort();
          abortSignal.addEventListener('abort', onAbort, { once: true });
          waiting.push(go);
        });
      }
      held++;
      return {};
    },
    tryReserveSlot(): SlotPermit | null {
      if (held >= total) return null;
      held++;
      return {};
    },
    markSlotUsed(): void {},
    releaseSlot(): void {
      held = Math.max(0, held - 1);
      wake();
    },
  };
}
