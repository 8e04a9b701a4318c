/**
 * Runbook document → typed {@link Plan}, with the semantic checks that need the compiled shape
 * (step order, targets, actions, expressions). Problems are reported through `report` by JSON
 * pointer (plus an offset inside a string, when known); the validator turns pointers into
 * `line:col`. A plan is only returned when nothing was reported.
 *
 * Each part of the runbook has its module (targets, steps, diagnostics, remediations, trigger,
 * people, escalation, resolution); this one puts them together, in the order problems are
 * reported.
 */
import { PLAN_VERSION, type Plan } from '../../contracts/plan';
import { CompileContext, type CompileOptions, type Reporter } from './context';
import { compileDiagnostics } from './diagnostics';
import type { RunbookDoc } from './document';
import { compileEscalation } from './escalation';
import { planHash } from './hash';
import { checkOwners, compileNotify } from './people';
import { compileRemediations } from './remediations';
import { compileResolution } from './resolution';
import { claimStepIds } from './step-ids';
import { compileTargets } from './targets';
import { compileTrigger } from './trigger';

export type { CompileOptions, Reporter } from './context';
export { DEFAULTS } from './defaults';
export { canonicalJson, planHash } from './hash';

function runbookSection(doc: RunbookDoc, file: string): Plan['runbook'] {
  const { metadata } = doc;
  const runbook: Plan['runbook'] = {
    id: metadata.id,
    title: metadata.title,
    service: metadata.service,
    severity: metadata.severity,
    owners: [...metadata.owners],
    file,
  };
  if (metadata.description !== undefined) runbook.description = metadata.description;
  if (metadata.source) runbook.source = { ...metadata.source };
  return runbook;
}

/** Compiles one validated runbook document. Returns undefined when anything was reported. */
export function compileDocument(
  doc: RunbookDoc,
  file: string,
  report: Reporter,
  options: CompileOptions = {},
): Plan | undefined {
  const ctx = new CompileContext(doc, report, options);
  claimStepIds(ctx);
  const targets = compileTargets(ctx);
  const diagnostics = compileDiagnostics(ctx);
  const remediations = compileRemediations(ctx);
  const trigger = compileTrigger(ctx);
  checkOwners(ctx);
  const escalation = compileEscalation(ctx);
  const notify = compileNotify(ctx);
  const resolution = compileResolution(ctx, remediations);
  if (ctx.failed) return undefined;

  const plan: Omit<Plan, 'hash'> = {
    planVersion: PLAN_VERSION,
    runbook: runbookSection(doc, file),
    trigger,
    vars: { ...ctx.vars },
    targets,
    diagnostics,
    remediations,
    escalation,
    notify,
    resolution,
  };
  const { planVersion, ...rest } = plan;
  return { planVersion, hash: options.hash === false ? '' : planHash(plan), ...rest };
}
