/**
 * A remediation's `verify:` block: its probes polled until they all pass or the attempts run out.
 */
import { sleep } from '@temporalio/workflow';
import type { VerifySpec } from '../../contracts/plan';
import type { StepRunner } from './steps';
import type { IncidentStore } from './store';

/** Returns whether every probe of `spec` succeeded in one attempt; each attempt gets its own records. */
export async function verify(
  store: IncidentStore,
  steps: StepRunner,
  remediationId: string,
  spec: VerifySpec,
): Promise<boolean> {
  store.setStatus('verifying');
  for (let attempt = 1; attempt <= Math.max(1, spec.attempts); attempt++) {
    let all = true;
    for (const step of spec.steps) {
      const rec = store.newStep(
        `${remediationId}.verify.${step.id}#${attempt}`,
        'verify',
        step,
        step.title,
        true,
      );
      if (!(await steps.execute(rec, step))) all = false;
    }
    if (all) return true;
    if (attempt < spec.attempts) await sleep(spec.intervalMs);
  }
  return false;
}
