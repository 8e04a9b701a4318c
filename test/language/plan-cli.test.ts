import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../apps/cli/plan';
import { captureIO, type CapturedIO } from '../support/cli';

const ROOT = join(__dirname, '..', '..');

const capture = (): CapturedIO => captureIO(ROOT);

interface JsonPlan {
  alerts: {
    alert: { status: string; fingerprint: string };
    matches: {
      runbook: string;
      severity: string;
      incidentId: string;
      remediations: { id: string; approval: string; command?: string }[];
      escalation: { intervalMs: number };
    }[];
  }[];
}

describe('firebreak plan', () => {
  it('plans every alert of a multi-alert payload as JSON', async () => {
    const io = capture();
    expect(await run(['--alert', 'examples/alerts/multi-alert.json', '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout.join('')) as JsonPlan;
    expect(out.alerts).toHaveLength(4);
    expect(out.alerts.map((a) => a.matches.map((m) => m.runbook))).toEqual([
      ['qcat-service-down'],
      ['webctp-service-down'],
      ['marketprism-no-data'],
      ['service-down'],
    ]);
    const first = out.alerts[0]?.matches[0];
    expect(first?.severity).toBe('P0');
    expect(first?.incidentId).toBe('incident-qcat-service-down-a0b1c2d3e4f50617');
    expect(first?.escalation.intervalMs).toBe(5 * 60_000);
    const restart = first?.remediations.find((r) => r.id === 'restart_qcat');
    expect(restart).toMatchObject({ approval: 'required' });
    expect(restart?.command).toContain("set -- 'qcat'");
  });

  it('prints approval gates, escalation timers and rendered commands as text', async () => {
    const io = capture();
    expect(
      await run(['qcat-db-pool-exhausted', '--alert', 'examples/alerts/db-pool-exhausted.json'], io),
    ).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toContain('runbook qcat-db-pool-exhausted');
    expect(text).toContain('severity P1');
    expect(text).toContain('APPROVAL REQUIRED');
    expect(text).toContain("sh 'localhost' '5432' 'qcat_user' 'qcat'");
    expect(text).toContain('escalation: chain qcat-database');
  });

  it('shows hostile label values only inside single quotes, and running the command creates no canary', async () => {
    const io = capture();
    expect(await run(['--alert', 'examples/alerts/hostile-labels.json', '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout.join('')) as JsonPlan;
    const cmd = out.alerts[0]?.matches[0]?.remediations[0]?.command ?? '';
    expect(cmd).toContain(`set -- 'nginx; touch /tmp/firebreak-pwned; $(id) \`uname\` '\\''x'\\''\necho owned'`);
    // Only the assignment line runs (up to the name guard), so nothing is restarted for real.
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-plan-'));
    try {
      const assignment = cmd.split('\nfor svc ')[0] ?? '';
      const probe = `${assignment.replace('/tmp/firebreak-pwned', join(dir, 'pwned'))}\nprintf '%s' "$1"`;
      const printed = execFileSync('/bin/sh', ['-c', probe], { encoding: 'utf8' });
      expect(printed).toContain('touch');
      expect(existsSync(join(dir, 'pwned'))).toBe(false);
      expect(existsSync('/tmp/firebreak-pwned')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts nothing for a resolved alert in the text output', async () => {
    const io = capture();
    expect(await run(['--alert', 'examples/alerts/multi-alert.json'], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain(
      'resolved: signals incident incident-service-down-d3e4f5061728394a (runbook service-down) if open; starts nothing',
    );
  });

  it('plans against a single runbook file, and says when nothing matches', async () => {
    const io = capture();
    expect(
      await run(['runbooks/service-down.yaml', '--alert', 'examples/alerts/service-down.json', '--json'], io),
    ).toBe(0);
    const out = JSON.parse(io.stdout.join('')) as JsonPlan;
    expect(out.alerts[0]?.matches.map((m) => m.runbook)).toEqual(['service-down']);
    const none = capture();
    expect(await run(['runbooks/service-down.yaml', '--alert', 'examples/alerts/disk-full.json'], none)).toBe(
      0,
    );
    expect(none.stdout.join('\n')).toContain('no runbook matches this alert');
  });

  it('exits 2 without --alert and 1 for a malformed payload', async () => {
    expect(await run([], capture())).toBe(2);
    const io = capture();
    expect(await run(['--alert', 'package.json'], io)).toBe(1);
    expect(io.stderr.join('')).toContain('version: expected "4"');
  });
});
