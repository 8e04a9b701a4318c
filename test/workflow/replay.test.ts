/**
 * Replays recorded incident histories (test/workflow/fixtures/histories, made by
 * `npm run record:histories`) against the current workflow code: a non-deterministic change to
 * the interpreter fails here before it can break incidents that are already running.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/temporal';
import { FIXTURES_DIR, fixtureToHistory } from './support/record-histories';

const files = readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed already
  }
});

describe('recorded incident histories', () => {
  it('include the representative incidents', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'approved-resolved.json',
        'approved-resolved-local-oncall.json',
        'approved-resolved-pinned-local.json',
        'rejected-then-continued.json',
        'approval-expired-escalated-closed.json',
        'alert-resolved-cancelled.json',
        'escalation-chain-acked-closed.json',
        'remediation-failed-escalated.json',
        'continued-as-new.runfirst.json',
        'continued-as-new.runlast.json',
        'combined-notices-approved.json',
        'combined-notices-withdrawn.json',
        'diagnostic-escalates-at-once.json',
        'spoofed-resolved-ignored-approved.json',
        'continued-as-new-awaiting-approval.runfirst.json',
        'continued-as-new-awaiting-approval.runlast.json',
      ]),
    );
  });

  it('cover both sides of the local on-call lookup patch', () => {
    // The patch id travels base64-encoded in the marker's details; the marker names are stable.
    const markers = (f: string) =>
      [...readFileSync(join(FIXTURES_DIR, f), 'utf8').matchAll(/"markerName": "(\w+)"/g)].map((m) => m[1]);
    expect(markers('approved-resolved.json')).toEqual([]);
    expect(markers('approved-resolved-local-oncall.json')).toEqual(['core_patch', 'core_local_activity']);
  });

  it('cover both sides of the combined-notices and diagnostic-escalation patches', () => {
    // Patch ids travel base64-encoded in marker payloads: decode every payload and look for them.
    const patches = (f: string) =>
      [...readFileSync(join(FIXTURES_DIR, f), 'utf8').matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)]
        .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
        .flatMap((d) => [...d.matchAll(/^\{"id":"([a-z-]+)","deprecated":false\}$/g)].map((x) => x[1]));
    expect(patches('approved-resolved-local-oncall.json')).toEqual(['local-oncall-lookup']);
    expect(patches('remediation-failed-escalated.json')).toEqual([]);
    expect(patches('combined-notices-approved.json')).toEqual([
      'notify-combined-durable',
      'local-oncall-lookup',
    ]);
    expect(patches('diagnostic-escalates-at-once.json')).toEqual([
      'notify-combined-durable',
      'local-oncall-lookup',
      'diagnostic-failure-pages-now',
    ]);
  });

  it('cover the patch that pins local steps to one machine', () => {
    const text = readFileSync(join(FIXTURES_DIR, 'approved-resolved-pinned-local.json'), 'utf8');
    expect([...text.matchAll(/"markerName": "(\w+)"/g)].map((m) => m[1])).toEqual([
      'core_patch',
      'core_local_activity',
      'core_patch',
    ]);
    expect(text).toContain('"name": "pinLocalHost"');
  });

  it('cover the failed-step and when-error patches of issue #12', () => {
    const history = JSON.parse(readFileSync(join(FIXTURES_DIR, 'when-error-escalated.json'), 'utf8')) as {
      events: {
        markerRecordedEventAttributes?: { details?: Record<string, { payloads?: { data: string }[] }> };
      }[];
    };
    const patches = history.events.flatMap((e) =>
      (e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map(
        (p) => (JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as { id: string }).id,
      ),
    );
    expect(patches).toEqual([
      'local-oncall-lookup',
      'failed-step-in-context',
      'when-error-follows-on-failure',
    ]);
  });

  for (const file of files) {
    it(`replays ${file} deterministically against the current workflow code`, async () => {
      const history = fixtureToHistory(JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')));
      await expect(
        Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay-${file}`),
      ).resolves.toBeUndefined();
    });
  }
});
