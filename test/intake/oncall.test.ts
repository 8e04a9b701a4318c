import * as path from 'node:path';
import {
  OnCallConfigError,
  loadOnCall,
  loadPersonTokens,
  parseOnCall,
  resolveOnCall,
} from '../../services/oncall';
import { createOnCallActivities } from '../../activities/oncall';
import { loadLibrary } from '../../frontend/library';
import type { ResolveOnCallInput } from '../../activities/types';

const example = loadOnCall(path.join(__dirname, '..', '..', 'oncall.yaml'));

const base: ResolveOnCallInput = {
  runbookId: 'webctp-restart',
  service: 'webctp',
  severity: 'P1',
  levels: [],
  notify: [{ on: ['opened', 'resolved'], to: ['sre'] }],
  owners: ['primary-oncall'],
};

function problems(text: string): string[] {
  try {
    parseOnCall(text, 'oc.yaml');
  } catch (err) {
    if (err instanceof OnCallConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('on-call config', () => {
  it('loads the example file with every team the runbooks use', () => {
    expect(example.people.map((p) => p.id)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));
    expect((example.teams ?? []).map((t) => t.id)).toEqual(
      expect.arrayContaining(['dba-oncall', 'primary-oncall', 'secondary-oncall', 'eng-manager', 'sre']),
    );
  });

  it('reports schema errors as file:line:col with the offending field', () => {
    const text =
      'apiVersion: firebreak/v1\nkind: OnCall\npeople:\n  - id: alice\n    name: A\n    email: not-an-email\n    pager: 123\n';
    const p = problems(text);
    expect(p).toEqual(expect.arrayContaining([expect.stringMatching(/^oc\.yaml:6:12: .*email.*format/)]));
    expect(p).toEqual(
      expect.arrayContaining([expect.stringMatching(/^oc\.yaml:4:5: .*unknown field "pager"/)]),
    );
  });

  it('reports a team member that is not a person at its position', () => {
    const text =
      'apiVersion: firebreak/v1\nkind: OnCall\npeople:\n  - { id: alice, name: A, email: a@example.com }\nteams:\n  - id: t\n    members: [alice, zed]\n';
    expect(problems(text)).toEqual([`oc.yaml:7:22: team "t" member "zed" is not a person`]);
  });

  it('reports YAML syntax errors with a position', () => {
    expect(problems('apiVersion: [\n')[0]).toMatch(/^oc\.yaml:\d+:\d+: /);
  });

  it('reads API tokens from the environment, never from the file', () => {
    const tokens = loadPersonTokens(example, { FIREBREAK_TOKEN_ALICE: 'tok-a\n', FIREBREAK_TOKEN_BOB: '' });
    expect(tokens).toEqual({ 'tok-a': 'alice' });
  });
});

describe('resolveOnCall', () => {
  it('uses the chain matching the severity for P0 and the default chain otherwise', () => {
    const p0 = resolveOnCall(example, { ...base, severity: 'P0' });
    expect(p0.levels.map((l) => l.name)).toEqual(['primary', 'secondary', 'manager']);
    expect(p0.approvers.sort()).toEqual(['alice', 'carol']);
    const p2 = resolveOnCall(example, { ...base, severity: 'P2' });
    expect(p2.levels[0]).toEqual({ name: 'primary', people: ['alice'] });
    expect(p2.approvers.sort()).toEqual(['alice', 'bob', 'erin']);
  });

  it('uses the service chain and adds the DBA approvers for database services', () => {
    const s = resolveOnCall(example, { ...base, service: 'qcat-db', severity: 'P2' });
    expect(s.levels[0]).toEqual({ name: 'dba', people: ['dave', 'alice'] });
    expect(s.approvers).toContain('dave');
  });

  it('prefers explicit runbook levels and expands teams in notify lists', () => {
    const s = resolveOnCall(example, { ...base, levels: [['bob'], ['eng-manager']] });
    expect(s.levels).toEqual([
      { name: 'level 1', people: ['bob'] },
      { name: 'level 2', people: ['carol'] },
    ]);
    expect(s.notify.opened?.sort()).toEqual(['alice', 'bob', 'erin']);
    expect(s.people.erin?.email).toBe('erin@example.com');
    expect(s.responders).toEqual(expect.arrayContaining(['alice', 'bob', 'carol', 'erin']));
  });

  it('fails permanently on an unknown contact or chain', async () => {
    const acts = createOnCallActivities({ oncall: example });
    await expect(acts.resolveOnCall({ ...base, owners: ['nobody'] })).rejects.toMatchObject({
      type: 'UnknownOnCallContact',
      nonRetryable: true,
      message: expect.stringContaining('"nobody"'),
    });
    await expect(acts.resolveOnCall({ ...base, chain: 'nope' })).rejects.toMatchObject({
      type: 'UnknownEscalationChain',
    });
  });
});

describe('the shipped on-call file and runbook library', () => {
  it('defines every contact and chain the runbooks name', () => {
    const lib = loadLibrary(path.join(__dirname, '..', '..', 'runbooks'));
    expect(lib.plans.length).toBeGreaterThan(0);
    for (const plan of lib.plans) {
      const snapshot = resolveOnCall(example, {
        runbookId: plan.runbook.id,
        service: plan.runbook.service,
        severity: plan.runbook.severity,
        ...(plan.escalation.chain ? { chain: plan.escalation.chain } : {}),
        levels: plan.escalation.levels,
        notify: plan.notify,
        owners: plan.runbook.owners,
      });
      expect({
        runbook: plan.runbook.id,
        levels: snapshot.levels.length > 0,
        approvers: snapshot.approvers.length > 0,
      }).toEqual({
        runbook: plan.runbook.id,
        levels: true,
        approvers: true,
      });
    }
  });

  it('uses a named chain over the runbook levels', () => {
    const s = resolveOnCall(example, { ...base, chain: 'qcat-database', levels: [['bob']] });
    expect(s.levels.map((l) => l.name)).toEqual(['dba', 'secondary', 'manager']);
  });
});
