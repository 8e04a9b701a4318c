/**
 * What every part of the report model is built from: the incident state, checked once, with the
 * masker and the on-call names every part shows people by.
 */
import type {
  Actor,
  IncidentState,
  Person,
  StepRecord,
  TimelineEntry,
  TimelineEntryOf,
  TimelineKind,
} from '../../contracts/incident';
import { invalidReportState } from './errors';
import { combineMaskers, createMasker } from './mask';
import type { ReportOptions } from './model';

/** The state a model is built from, and how its texts are masked. */
export interface ModelContext {
  readonly state: IncidentState;
  /** Masks a text (every string in the model passes here); `undefined` becomes `''`. */
  readonly mask: (text: string | undefined) => string;
  readonly people: Readonly<Record<string, Person>>;
  readonly stepsById: ReadonlyMap<string, StepRecord>;
  /** Characters kept per output stream in the step details. */
  readonly excerptChars: number;
  /** Characters of output shown inline in the timeline table. */
  readonly inlineChars: number;
}

/** Checks the essentials and builds the context; throws a non-retryable failure without them. */
export function modelContext(state: IncidentState, opts: ReportOptions): ModelContext {
  if (!state || typeof state !== 'object') throw invalidReportState('state is not an object');
  if (!state.id) throw invalidReportState('state has no incident id');
  if (!state.runbook?.id) throw invalidReportState(`incident ${state.id} has no runbook`);
  if (!state.startedAt) throw invalidReportState(`incident ${state.id} has no start time`);
  const masker = combineMaskers(opts.masker, createMasker(opts.secrets ?? []));
  const stepsById = new Map<string, StepRecord>();
  for (const step of state.steps ?? []) stepsById.set(step.id, step);
  return {
    state,
    mask: (text) => (text === undefined ? '' : masker(text)),
    people: state.oncall?.people ?? {},
    stepsById,
    excerptChars: opts.excerptChars ?? 2000,
    inlineChars: opts.inlineChars ?? 160,
  };
}

/** `Name (id)`, or the bare id when the on-call config gives no other name. Masked. */
export function personText(ctx: ModelContext, id: string): string {
  const person = ctx.people[id];
  return ctx.mask(person && person.name && person.name !== id ? `${person.name} (${id})` : id);
}

/** `Name (id) via channel`; empty without an actor. Masked. */
export function actorText(ctx: ModelContext, actor: Actor | undefined): string {
  if (!actor) return '';
  const person = ctx.people[actor.person];
  const who =
    person && person.name && person.name !== actor.person ? `${person.name} (${actor.person})` : actor.person;
  return ctx.mask(`${who} via ${actor.channel}`);
}

/** The timeline entries of the given kinds, in order, typed by their kind. */
export function entriesOf<K extends TimelineKind>(
  state: IncidentState,
  ...kinds: readonly K[]
): TimelineEntryOf<K>[] {
  const wanted: readonly TimelineKind[] = kinds;
  return (state.timeline ?? []).filter((e: TimelineEntry): e is TimelineEntryOf<K> =>
    wanted.includes(e.kind),
  );
}
