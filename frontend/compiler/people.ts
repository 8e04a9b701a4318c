/**
 * Contacts named by the runbook (owners, escalation levels, notify recipients), checked against
 * the on-call configuration when one is given; and whom to tell about what (`notify:`).
 */
import { didYouMean } from '../loader/suggest';
import type { NotifySpec } from '../../contracts/plan';
import type { CompileContext } from './context';
import { DEFAULTS } from './defaults';

/** Reports `name` at `pointer` unless it is a known contact (or contacts are not known). */
export function checkContact(ctx: CompileContext, name: string, pointer: string): void {
  const { contacts } = ctx.options;
  if (contacts && !contacts.has(name))
    ctx.fail(pointer, `unknown contact "${name}"${didYouMean(name, contacts)}`);
}

export function checkOwners(ctx: CompileContext): void {
  ctx.doc.metadata.owners.forEach((o, i) => checkContact(ctx, o, `/metadata/owners/${i}`));
}

/** `notify:`, or by default the owners about every notable event. */
export function compileNotify(ctx: CompileContext): NotifySpec[] {
  const { notify, metadata } = ctx.doc;
  if (!notify) return [{ on: [...DEFAULTS.notifyOn], to: [...metadata.owners] }];
  return notify.map((n, i) => {
    n.to.forEach((c, j) => checkContact(ctx, c, `/notify/${i}/to/${j}`));
    return { on: [...n.on], to: [...n.to] };
  });
}
