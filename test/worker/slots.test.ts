/**
 * The worker's slot supplier keeps a share of its slots for eager tasks (new incidents started by
 * the intake, a first command handed back with its workflow task), and its limits come from the
 * environment.
 */
import type { SlotReserveContext } from '@temporalio/worker';
import { eagerReservingSlots } from '../../worker/slots';
import { DEFAULT_TUNING, workerLimits, workerTuning } from '../../worker/tuning';

const ctx = {
  slotType: 'workflow',
  taskQueue: 'q',
  workerIdentity: 'w',
  workerBuildId: '',
  isSticky: false,
} as SlotReserveContext;
const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('eager-reserving slots', () => {
  it('lets polls hold all but the reserved slots and eager tasks take those', async () => {
    const slots = eagerReservingSlots(4, 1);
    const abort = new AbortController();
    for (let i = 0; i < 3; i++) await slots.reserveSlot(ctx, abort.signal);
    const fourthPoll = slots.reserveSlot(ctx, abort.signal);
    expect(await settled(fourthPoll)).toBe(false);
    expect(slots.tryReserveSlot(ctx)).not.toBeNull();
    expect(slots.tryReserveSlot(ctx)).toBeNull();
    slots.releaseSlot({} as never); // the eager task finishes: still 3 held by polls
    expect(await settled(fourthPoll)).toBe(false);
    slots.releaseSlot({} as never); // a poll's task finishes: the waiting poll gets its slot
    expect(await settled(fourthPoll)).toBe(true);
  });

  it('rejects a waiting poll with an AbortError when the SDK no longer needs it, and forgets it', async () => {
    const slots = eagerReservingSlots(2, 1);
    await slots.reserveSlot(ctx, new AbortController().signal);
    const abort = new AbortController();
    const waiting = slots.reserveSlot(ctx, abort.signal);
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    slots.releaseSlot({} as never);
    expect(slots.tryReserveSlot(ctx)).not.toBeNull();
    expect(slots.tryReserveSlot(ctx)).not.toBeNull();
    expect(slots.tryReserveSlot(ctx)).toBeNull();
  });
});

describe('worker tuning', () => {
  it('reads cache size and concurrency from the environment, defaults otherwise', () => {
    expect(workerTuning({})).toEqual(DEFAULT_TUNING);
    expect(
      workerTuning({
        FIREBREAK_WORKFLOW_CACHE: '80',
        FIREBREAK_WORKFLOW_TASKS: '12',
        FIREBREAK_ACTIVITY_TASKS: '6',
      }),
    ).toMatchObject({
      maxCachedWorkflows: 80,
      maxConcurrentWorkflowTaskExecutions: 12,
      maxConcurrentActivityTaskExecutions: 6,
    });
  });

  it('refuses values Temporal cannot use, naming the variable', () => {
    expect(() => workerTuning({ FIREBREAK_WORKFLOW_CACHE: '1' })).toThrow(/FIREBREAK_WORKFLOW_CACHE/);
    expect(() => workerTuning({ FIREBREAK_WORKFLOW_TASKS: '1' })).toThrow(/FIREBREAK_WORKFLOW_TASKS/);
    expect(() => workerTuning({ FIREBREAK_ACTIVITY_TASKS: 'many' })).toThrow(
      /FIREBREAK_ACTIVITY_TASKS: .*"many"/,
    );
  });

  it('keeps a share of activity slots for eager activities, and a plain pool of workflow task slots', () => {
    const limits = workerLimits(DEFAULT_TUNING);
    expect(limits.maxCachedWorkflows).toBe(250);
    expect(limits.tuner).toMatchObject({
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 40 },
      activityTaskSlotSupplier: { type: 'custom' },
    });
  });
});
