/**
 * The counts bench:engine checks before printing a figure: one incident per fingerprint, every
 * delivery accepted and found in a history, and every command run on the target exactly once.
 */
import type { Client } from '@temporalio/client';
import type { CommandLog } from './fixture';
import { RUNBOOK_ID } from './fixture';
import type { IncidentHistory } from './histories';
import type { StormResult } from './phases';
import { sleep } from './stats';

/** One verified count: what was expected, what was found. */
export interface Check {
  what: string;
  expected: number;
  found: number;
}

export const passed = (c: Check): boolean => c.expected === c.found;

/** Fingerprints whose `step` ran exactly once on the target. */
export function ranOnce(log: CommandLog, step: string, fps: readonly string[]): number {
  log.refresh();
  return fps.filter((fp) => log.runs(fp, step).length === 1).length;
}

/** Incident workflows visibility lists under the prefix (eventually consistent: polled up to 30 s). */
export async function visibleIncidents(client: Client, fpPrefix: string, expected: number): Promise<number> {
  const query = `WorkflowId STARTS_WITH 'incident-${RUNBOOK_ID}-${fpPrefix}'`;
  let n = 0;
  for (let i = 0; i < 60; i++) {
    n = (await client.workflow.count(query)).count;
    if (n === expected) break;
    await sleep(500);
  }
  return n;
}

export async function stormChecks(
  client: Client,
  log: CommandLog,
  s: StormResult,
  shape: { deliveries: number },
  prefix: string,
): Promise<Check[]> {
  const n = s.fps.length;
  const sum = (f: (h: IncidentHistory) => number) => s.histories.reduce((a, h) => a + f(h), 0);
  return [
    { what: 'deliveries answered 202', expected: shape.deliveries, found: shape.deliveries - s.load.failed },
    { what: 'deliveries that started an incident', expected: n, found: s.load.started },
    {
      what: 'incidents in visibility',
      expected: n,
      found: await visibleIncidents(client, `${prefix}-s-`, n),
    },
    { what: 'deliveries in the histories', expected: shape.deliveries, found: sum((h) => h.deliveries) },
    { what: 'first diagnostics run once on the target', expected: n, found: ranOnce(log, 'clock', s.fps) },
    { what: 'second diagnostics run once on the target', expected: n, found: ranOnce(log, 'uptime', s.fps) },
    { what: 'incidents awaiting approval', expected: n, found: sum((h) => (h.awaitingApprovalAtMs ? 1 : 0)) },
  ];
}
