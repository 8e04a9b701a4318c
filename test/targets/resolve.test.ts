/**
 * The target model (issue #12), pure parts: the address functions exporters' labels need, and the
 * one resolver `firebreak plan` and the `runCommand` activity share. Against real sshd and real
 * workflows: sshd.test.ts and workflow.test.ts.
 */
import type { ResolvedTarget, TargetEndpoint } from '../../contracts/commands';
import type { Inventory } from '../../contracts/inventory';
import type { TargetSpec } from '../../contracts/plan';
import {
  evaluateValue,
  hostOf,
  hostProblem,
  parseTemplate,
  portOf,
  shortHostOf,
} from '../../language/expressions';
import { endpointText, renderTarget, resolveEndpoints } from '../../language/plan/targets';
import { labelContext } from './context';

const ctx = labelContext;

function target(hosts: string[], over: Partial<TargetSpec> = {}): TargetSpec {
  return {
    name: 'db',
    transport: 'ssh',
    hosts: hosts.map((h) => parseTemplate(h, 'text')),
    concurrency: 10,
    failFast: false,
    user: 'firebreak',
    port: 2222,
    ...over,
  };
}

const POLICY = { strictInventory: false, defaultUser: 'worker' };

function dial(
  hosts: string[],
  labels: Record<string, string>,
  inventory: Inventory = {},
  over: Partial<TargetSpec> = {},
  strictInventory = false,
): string[] {
  const resolved = renderTarget(target(hosts, over), ctx(labels));
  return resolveEndpoints(resolved, inventory, { ...POLICY, strictInventory }).map(endpointText);
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a throw');
}

describe('address functions for exporter labels', () => {
  it.each([
    ['db1:9187', 'db1', 9187],
    ['[::1]:9100', '::1', 9100],
    ['::1', '::1', null],
    ['http://ws1:8080/health', 'ws1', 8080],
    ['https://ws1/health', 'ws1', null],
    ['redis://redis1:6379', 'redis1', 6379],
    ['redis://:secret@redis1:6379/0', 'redis1', 6379],
    ['postgres://app@db2.prod:5432/qcat?sslmode=disable', 'db2.prod', 5432],
    ['db1', 'db1', null],
    ['10.0.0.7:9100', '10.0.0.7', 9100],
    ['', '', null],
  ])('hostOf(%j) is %j and portOf is %j', (input, host, port) => {
    expect(hostOf(input)).toBe(host);
    expect(portOf(input)).toBe(port);
  });

  it('gives the first label of a name, and addresses whole, with shortHostOf', () => {
    expect(shortHostOf('db1.prod.example.com:9100')).toBe('db1');
    expect(shortHostOf('10.0.0.7:9100')).toBe('10.0.0.7');
    expect(shortHostOf('[fe80::1]:9100')).toBe('fe80::1');
  });

  it('are CEL functions usable in any expression, portOf giving an int or null', () => {
    const vars = ctx({ instance: 'db1:9187', probe: 'http://ws1/health' }) as unknown as Record<
      string,
      unknown
    >;
    expect(evaluateValue('hostOf(labels.instance)', vars)).toBe('db1');
    expect(evaluateValue('portOf(labels.instance) + 1', vars)).toBe(9188);
    expect(evaluateValue('portOf(labels.probe) == null', vars)).toBe(true);
    expect(evaluateValue('shortHostOf("node1.prod:9100") + "-x"', vars)).toBe('node1-x');
  });

  it.each([
    ['db1', undefined],
    ['db1.prod.example.com', undefined],
    ['10.0.0.7', undefined],
    ['::1', undefined],
    ['[::1]', undefined],
    ['root@127.0.0.1', 'carries a user ("user@")'],
    ['db1:9187', 'carries a port'],
    ['[::1]:22', 'carries a port'],
    ['http://ws1:8080/health', 'is a URL'],
    ['-oProxyCommand=touch /tmp/x', 'contains whitespace'],
    ['-oProxyCommand=id', 'starts with "-" (it would read as an option)'],
    ['db1/x', 'carries a path'],
    ['db 1', 'contains whitespace'],
    ['db1;id', 'is not a host name or IP address'],
    ['', 'is empty'],
  ])('hostProblem(%j) is %j', (value, problem) => {
    expect(hostProblem(value)).toBe(problem);
  });
});

describe('rendering a target', () => {
  it('names the missing label instead of a CEL error', () => {
    expect(message(() => renderTarget(target(['{{ labels.host }}']), ctx({ instance: 'db1:9187' })))).toBe(
      'cannot resolve target db: label "host" is missing',
    );
  });

  it('drops a host that renders empty, and renders a templated group', () => {
    const r = renderTarget(
      target(['{{ has(labels.host) ? labels.host : "" }}', 'db9'], { group: 'pg-{{ labels.cluster }}' }),
      ctx({ cluster: 'eu' }),
    );
    expect(r.hosts).toEqual(['db9']);
    expect(r.group).toBe('pg-eu');
  });

  it('keeps which part came from the alert', () => {
    const r = renderTarget(target(['ops@{{ labels.node }}.prod:2200']), ctx({ node: 'db1' }));
    expect(r.hostParts).toEqual([
      [{ lit: 'ops@' }, { value: 'db1', expr: 'labels.node' }, { lit: '.prod:2200' }],
    ]);
  });
});

describe('resolving endpoints', () => {
  it("dials an exporter's host with the runbook's user and port", () => {
    expect(dial(['{{ hostOf(labels.instance) }}'], { instance: 'db1:9187' })).toEqual(['firebreak@db1:2222']);
    expect(dial(['{{ hostOf(labels.instance) }}'], { instance: 'redis://redis1:6379' })).toEqual([
      'firebreak@redis1:2222',
    ]);
    expect(dial(['{{ hostOf(labels.instance) }}'], { instance: '[::1]:9100' })).toEqual([
      'firebreak@[::1]:2222',
    ]);
    expect(dial(['{{ labels.host }}'], { host: '::1' })).toEqual(['firebreak@[::1]:2222']);
  });

  it.each([
    ['root@127.0.0.1:29022', 'carries a user ("user@")'],
    ['127.0.0.1:29022', 'carries a port'],
    ['http://127.0.0.1:29022/', 'is a URL'],
    ['-oProxyCommand=id', 'starts with "-"'],
  ])('refuses %j from a label, never changing user, port or options', (value, why) => {
    const text = message(() => dial(['{{ labels.host }}'], { host: value }));
    expect(text).toContain(
      `target db: ${JSON.stringify(value)} from labels.host is not a host name (it ${why}`,
    );
  });

  it('points at hostOf() when a label carries an address', () => {
    expect(message(() => dial(['{{ labels.instance }}'], { instance: 'db1:9187' }))).toBe(
      'target db: "db1:9187" from labels.instance is not a host name (it carries a port); use hostOf(labels.instance) to take the host of an address such as an exporter\'s instance',
    );
  });

  it('lets runbook text set user and port, but never an alert value', () => {
    expect(dial(['ops@{{ labels.node }}.prod:2200'], { node: 'db1' })).toEqual(['ops@db1.prod:2200']);
    expect(message(() => dial(['{{ labels.who }}@db1'], { who: 'root' }))).toBe(
      'target db: the value of labels.who would become part of the SSH user or port; only runbook text may set them',
    );
    expect(message(() => dial(['db1:{{ labels.p }}'], { p: '22' }))).toContain(
      'would become part of the SSH user or port',
    );
  });

  it('maps an instance or nodename to the machine through an inventory alias', () => {
    const inventory: Inventory = {
      pg: [{ host: '10.0.0.11', port: 22, user: 'ops', aliases: ['db1:9187', 'DB1.prod.example.com'] }],
      web: [{ host: '10.0.0.21', aliases: ['ws1'] }],
    };
    const resolved = renderTarget(
      target(['{{ labels.instance }}', '{{ labels.nodename }}']),
      ctx({
        instance: 'db1:9187',
        nodename: 'db1.prod.example.com.',
      }),
    );
    const eps: TargetEndpoint[] = resolveEndpoints(resolved, inventory, POLICY);
    expect(eps).toEqual([
      {
        label: 'db1:9187',
        host: '10.0.0.11',
        port: 22,
        user: 'ops',
        via: 'inventory pg[0] "10.0.0.11" via alias "db1:9187"',
      },
    ]);
    expect(
      dial(['{{ hostOf(labels.instance) }}'], { instance: 'http://ws1:8080/health' }, inventory),
    ).toEqual(['firebreak@10.0.0.21:2222']);
  });

  it('refuses, in strict mode, a host from an alert that the inventory does not know', () => {
    const inventory: Inventory = { pg: [{ host: 'db1' }] };
    expect(dial(['{{ hostOf(labels.instance) }}'], { instance: 'db1:9187' }, inventory, {}, true)).toEqual([
      'firebreak@db1:2222',
    ]);
    expect(
      message(() => dial(['{{ hostOf(labels.instance) }}'], { instance: 'db9:9187' }, inventory, {}, true)),
    ).toBe(
      'target db: host "db9" (from the alert) is not in the inventory, and strict inventory refuses hosts it does not know; add it (or an alias) to the inventory',
    );
    expect(dial(['bastion.internal'], {}, inventory, {}, true)).toEqual(['firebreak@bastion.internal:2222']);
  });

  it('resolves a group named by a label, and says so when the inventory has no such group', () => {
    const inventory: Inventory = { 'pg-eu': [{ host: 'db1' }, { host: 'db2', port: 2201 }] };
    expect(dial([], { cluster: 'eu' }, inventory, { group: 'pg-{{ labels.cluster }}' })).toEqual([
      'firebreak@db1:2222',
      'firebreak@db2:2201',
    ]);
    expect(message(() => dial([], { cluster: 'us' }, inventory, { group: 'pg-{{ labels.cluster }}' }))).toBe(
      'target db: inventory group "pg-us" is not defined',
    );
  });

  it('takes hosts sent without parts (by workflows that predate them) as runbook text', () => {
    const old: ResolvedTarget = {
      name: 'db',
      transport: 'ssh',
      hosts: ['ops@db1:2200'],
      concurrency: 1,
      failFast: false,
    };
    expect(resolveEndpoints(old, {}, POLICY).map(endpointText)).toEqual(['ops@db1:2200']);
  });
});
