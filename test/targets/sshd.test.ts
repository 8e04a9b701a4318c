/**
 * The target model against real OpenSSH sshd on loopback (issue #12): a label carrying
 * `user@host:port`, an option or a URL never changes the SSH user, port or options; `cwd:` and
 * `env:` arrive once quoted; `\{{` hands a Go template to a tool. Steps are rendered exactly as
 * the workflow renders them (renderTarget, renderTemplate) and run by the real `runCommand`
 * activity, over SSH and through the local transport.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandActivities } from '../../activities/commands';
import type { RunCommandInput } from '../../activities/types';
import type { Inventory } from '../../contracts/inventory';
import type { CommandStep, Plan } from '../../contracts/plan';
import { validateRunbook } from '../../frontend/validator';
import { renderTemplate } from '../../language/expressions';
import { renderTarget } from '../../language/plan/targets';
import { createSshExecutor, type SshExecutor } from '../../services/transport/client';
import { startSshd, TEST_USER, type SshdFleet } from '../support/services';
import { sshConfig } from '../transport/helpers';
import { labelContext } from './context';

let fleet: SshdFleet;
let work: string;
const executors: SshExecutor[] = [];

beforeAll(async () => {
  fleet = await startSshd(2);
  work = mkdtempSync(join(tmpdir(), 'fb-targets-'));
});
afterAll(async () => {
  await Promise.all(executors.map((e) => e.close()));
  await fleet?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const port = (i: number): number => fleet.instances[i]!.port;

/** A runbook with one step on `hosts`, compiled by the real compiler. */
function compile(hosts: string, step: string, transport = 'ssh'): Plan {
  const source = `
apiVersion: firebreak/v1
kind: Runbook
metadata: { id: t, title: T, service: s, severity: P3, owners: [sre] }
trigger: { match: { alertname: X, host: { exists: true }, instance: { exists: true } } }
targets:
  box: { hosts: [${JSON.stringify(hosts)}], user: ${TEST_USER}, port: ${port(0)}, transport: ${transport} }
diagnostics:
${step}
`;
  const r = validateRunbook(source, 't.yaml');
  expect(r.diagnostics).toEqual([]);
  return r.plan!;
}

const ctx = labelContext;

/** Renders the plan's first step as the workflow does and runs it through the real activity. */
async function runStep(plan: Plan, labels: Record<string, string>, inventory: Inventory = {}) {
  const step = plan.diagnostics[0]!.steps[0]!.step as CommandStep;
  const c = ctx(labels);
  const input: RunCommandInput = {
    incidentId: 'inc',
    stepId: step.id,
    target: renderTarget(plan.targets[step.target]!, c),
    command: renderTemplate(step.command, c),
    secrets: [],
    sudo: false,
    env: Object.fromEntries(Object.entries(step.env).map(([k, t]) => [k, renderTemplate(t, c)])),
    ...(step.cwd ? { cwd: renderTemplate(step.cwd, c) } : {}),
    timeoutMs: 20_000,
    outputCapBytes: 65_536,
    extract: [],
  };
  const ssh = sshConfig({ knownHostsFile: fleet.knownHostsFile, privateKeyFile: fleet.clientKeyFile });
  const executor = createSshExecutor({ ssh });
  executors.push(executor);
  const acts = createCommandActivities({
    config: { home: work, ssh, inventory, secrets: {} },
    transports: { ssh: executor },
  });
  return acts.runCommand(input);
}

async function refusal(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (e) {
    return e as ApplicationFailure;
  }
  throw new Error('expected a refusal');
}

const WHO = `- { id: who, run: 'printf "%s %s" "$(id -un)" "\${SSH_CONNECTION##* }"' }`;

describe('a host from a label is a host, on a real sshd', () => {
  it.each([
    ['user@host:port', () => `root@127.0.0.1:${port(1)}`, 'carries a user ("user@")'],
    ['host:port', () => `127.0.0.1:${port(1)}`, 'carries a port'],
    ['an option', () => '-oProxyCommand=touch${IFS}CANARY', 'starts with "-"'],
    ['a URL', () => `http://127.0.0.1:${port(1)}/health`, 'is a URL'],
  ])('refuses a label carrying %s before dialling anything', async (_what, value, why) => {
    const canary = join(work, `canary-${Math.random().toString(36).slice(2)}`);
    const hostile = value().replace('CANARY', canary);
    const e = await refusal(runStep(compile('{{ labels.host }}', WHO), { host: hostile, instance: 'x' }));
    expect(e.type).toBe('InvalidHost');
    expect(e.message).toContain(`${JSON.stringify(hostile)} from labels.host is not a host name (it ${why}`);
    expect(existsSync(canary)).toBe(false);
  });

  it.each([
    ['user@host:port', () => `root@127.0.0.1:${port(1)}`],
    ['a URL', () => `http://127.0.0.1:${port(1)}/health`],
    ['an exporter instance', () => `127.0.0.1:9187`],
  ])(
    "takes only the host of %s with hostOf(), logging in as the runbook's user on its port",
    async (_w, value) => {
      const r = await runStep(compile('{{ hostOf(labels.host) }}', WHO), { host: value(), instance: 'x' });
      expect(r.hosts.map((h) => h.stdout)).toEqual([`${TEST_USER} ${port(0)}`]);
    },
  );

  it('maps an exporter instance to the machine through an inventory alias, user and port from the runbook', async () => {
    const inventory: Inventory = { lab: [{ host: '127.0.0.1', aliases: ['db1:9187', 'db1'] }] };
    const r = await runStep(
      compile('{{ labels.instance }}', WHO),
      { host: 'x', instance: 'db1:9187' },
      inventory,
    );
    expect(r.hosts.map((h) => [h.host, h.stdout])).toEqual([['db1:9187', `${TEST_USER} ${port(0)}`]]);
  });
});

describe('cwd and env are quoted once', () => {
  const hostile = `it's "quoted"; $(touch /tmp/fb-env-pwned) \`id\``;
  const step = (dir: string) => `- id: where
  run: printf '%s|%s|%s' "$(pwd)" "$GREETING" "$ODD"
  cwd: ${dir}
  env: { GREETING: 'hello {{ labels.host }}', ODD: ${JSON.stringify(hostile)} }`;

  it.each(['ssh', 'local'])(
    'a plain cwd: /tmp works and env values arrive without quote marks (%s)',
    async (transport) => {
      const r = await runStep(compile('127.0.0.1', step('/tmp'), transport), { host: 'db1', instance: 'x' });
      expect(r.hosts[0]!.stdout).toBe(`/tmp|hello db1|${hostile}`);
      expect(existsSync('/tmp/fb-env-pwned')).toBe(false);
    },
  );

  it('a templated cwd is the label value, one word even with spaces', async () => {
    const dir = join(work, 'logs dir');
    mkdirSync(dir, { recursive: true });
    const r = await runStep(compile('127.0.0.1', step(`'${work}/{{ labels.instance }}'`), 'local'), {
      host: 'db1',
      instance: 'logs dir',
    });
    expect(r.hosts[0]!.stdout.split('|')[0]).toBe(dir);
  });
});

describe('Go templates for tools', () => {
  it.each(['ssh', 'local'])(
    '\\{{ reaches the command as a literal {{, as docker --format expects (%s)',
    async (transport) => {
      const step = `- id: stats
  run: printf '%s\\n' '\\{{.Name}} \\{{.MemPerc}}' {{ labels.host }}`;
      const r = await runStep(compile('127.0.0.1', step, transport), { host: 'qte-api-1', instance: 'x' });
      expect(r.hosts[0]!.stdout).toBe('{{.Name}} {{.MemPerc}}\nqte-api-1\n');
    },
  );
});
