/**
 * No alert label becomes an option of a built-in's command (issue #15, item 10), and http.check
 * fetches only http(s) URLs. Every string parameter of every built-in is fed a label whose value
 * looks like an option; the rendered command runs through /bin/sh with recording stand-ins for
 * the tools, and no tool may receive that value as a word of its own unless it follows `--`
 * (where the tool reads nothing after it as an option). Refusing the value is fine too.
 */
import { ACTIONS } from '../../language/actions';
import { validateRunbook } from '../../frontend/validator';
import { formatDiagnostics } from '../../frontend/loader/diagnostics';
import { makeToolbox, type Toolbox, type ToolCall } from './support/toolbox';
import { rendered } from './support/render';

const CANARY = '--firebreak-canary';

/** Parameters each action needs to build at all, before one of them is replaced by the label. */
const BASE: Record<string, Record<string, unknown>> = {
  'service.restart': { service: 'web', manager: 'systemd' },
  'postgres.terminate_long_queries': { database: 'qcat', host: 'h', user: 'u', port: 5432 },
  'postgres.query': { sql: 'select 1', database: 'qcat', host: 'h', user: 'u', params: { x: 'v' } },
  'redis.flush': { pattern: 'cache:*' },
  'redis.cli': { command: ['config', 'get', 'maxmemory'] },
  'redis.config_set': { parameter: 'maxmemory-policy', value: 'allkeys-lru' },
  'deploy.rollback': { backup_dir: '/nonexistent', command: 'true' },
  'logs.cleanup': { path: '/nonexistent' },
  'http.check': { url: 'http://127.0.0.1:1/' },
  'port.check': { port: 1 },
  'process.check': { pattern: 'x' },
  'disk.check': { path: '/' },
};

/** Parameters that switch an action into another mode need that mode's other parameters. */
const MODE_BASE: Record<string, Record<string, unknown>> = {
  'deploy.rollback:version': { version: 'v1', releases_dir: '/r', current_link: '/r/current' },
  'deploy.rollback:releases_dir': { version: 'v1', releases_dir: '/r', current_link: '/r/current' },
  'deploy.rollback:current_link': { version: 'v1', releases_dir: '/r', current_link: '/r/current' },
};

/** Author-written shell text, not a value: a label there is the author's decision, quoted anyway. */
const AUTHOR_TEXT = new Set(['service.restart:command', 'deploy.rollback:command', 'postgres.query:sql']);

/** Every (action, parameter path) whose value is a string a label could fill. */
function stringParams(): { action: string; params: Record<string, unknown>; where: string }[] {
  const out: { action: string; params: Record<string, unknown>; where: string }[] = [];
  for (const [name, def] of Object.entries(ACTIONS)) {
    if (def.kind === 'wait') continue;
    const props = (def.params.properties ?? {}) as Record<string, { type?: unknown; pattern?: string }>;
    for (const [key, schema] of Object.entries(props)) {
      if (AUTHOR_TEXT.has(`${name}:${key}`)) continue;
      // A schema pattern that refuses a template (durations, names) keeps labels out already.
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test('{{ labels.v }}')) continue;
      const types = ([] as unknown[]).concat(schema.type ?? []);
      const base = MODE_BASE[`${name}:${key}`] ?? BASE[name] ?? {};
      if (types.includes('string'))
        out.push({ action: name, params: { ...base, [key]: '{{ labels.v }}' }, where: key });
      if (key === 'compose')
        for (const sub of ['service', 'project_dir', 'file'])
          out.push({
            action: name,
            params: { ...base, compose: { service: 'db', [sub]: '{{ labels.v }}' } },
            where: `compose.${sub}`,
          });
      if (key === 'services')
        out.push({
          action: name,
          params: { ...base, service: undefined, services: ['a', '{{ labels.v }}'] },
          where: key,
        });
      if (key === 'command' && name === 'redis.cli')
        out.push({
          action: name,
          params: { ...base, command: ['config', 'get', '{{ labels.v }}'] },
          where: 'command[2]',
        });
      if (key === 'params')
        out.push({ action: name, params: { ...base, params: { x: '{{ labels.v }}' } }, where: 'params.x' });
    }
  }
  return out;
}

/** A call where the canary stands alone as a word before any `--`. */
function optionUse(c: ToolCall): boolean {
  const end = c.args.indexOf('--');
  const before = end < 0 ? c.args : c.args.slice(0, end);
  return before.some((a) => a === CANARY || a.startsWith(`${CANARY}=`));
}

/** redis-cli stops reading options at the command name; words after it are the command's. */
function redisCommandArgument(c: ToolCall): boolean {
  if (c.tool !== 'redis-cli') return false;
  const i = c.args.findIndex((a) => /^(eval|config|info|ping|flushdb|dbsize)$/i.test(a));
  return i >= 0 && c.args.indexOf(CANARY) > i;
}

/** psql reads `-v name=value` as one word, and a value after `--opt=`: neither is an option. */
function safeUse(c: ToolCall): boolean {
  return redisCommandArgument(c) || (c.tool === 'psql' && !c.args.includes(CANARY));
}

let box: Toolbox;
beforeAll(() => {
  box = makeToolbox();
});
afterAll(() => box.remove());

describe('a label that looks like an option', () => {
  const cases = stringParams();

  it('is tried in every string parameter of every built-in', () => {
    expect(cases.length).toBeGreaterThan(25);
    // All but `wait` (no command).
    const tried = new Set(cases.map((c) => c.action));
    expect(Object.keys(ACTIONS).filter((a) => !tried.has(a))).toEqual(['wait']);
  });

  it.each(cases.map((c) => [c.action, c.where, c.params] as const))(
    '%s with %s = "--firebreak-canary" never reaches a tool as an option',
    async (action, _where, params) => {
      const { cmd } = rendered(action, params, { v: CANARY });
      const before = box.calls().length;
      await box.sh(cmd, { FAKE_COMPOSE_V2: '1' });
      const calls = box.calls().slice(before);
      const offending = calls.filter((c) => optionUse(c) && !safeUse(c));
      expect(offending).toEqual([]);
    },
  );
});

describe('http.check', () => {
  it('refuses a file:// URL at validation time, at the line and column of the URL', () => {
    const r = validateRunbook(
      [
        'apiVersion: firebreak/v1',
        'kind: Runbook',
        'metadata: { id: t, title: T, service: s, severity: P3, owners: [sre] }',
        'trigger: { match: { alertname: A } }',
        'targets: { h: { transport: local, hosts: [localhost] } }',
        'diagnostics:',
        '  - { id: c, check: http.check, with: { url: "file:///etc/passwd" } }',
        '',
      ].join('\n'),
      't.yaml',
    );
    expect(formatDiagnostics(r.diagnostics).join('\n')).toMatch(/^t\.yaml:7:\d+: .*url/);
  });

  it.each([
    'file:///etc/passwd',
    'gopher://127.0.0.1:70/',
    'dict://127.0.0.1:11211/stat',
    'ftp://h/x',
    '-K/etc/passwd',
  ])('refuses %s coming from a label at run time, before curl runs', async (url) => {
    const { cmd } = rendered('http.check', { url: '{{ labels.url }}' }, { url });
    const before = box.calls().length;
    const r = await box.sh(cmd);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('only http:// and https:// are checked');
    expect(
      box
        .calls()
        .slice(before)
        .filter((c) => c.tool === 'curl'),
    ).toEqual([]);
  });

  it('limits curl to http and https, for the request and any redirect', async () => {
    const { cmd } = rendered('http.check', { url: '{{ labels.url }}' }, { url: 'http://ws1:8080/health' });
    const before = box.calls().length;
    await box.sh(cmd);
    const curl = box
      .calls()
      .slice(before)
      .find((c) => c.tool === 'curl')!;
    expect(curl.args).toEqual(
      expect.arrayContaining(['--proto', '=http,https', '--proto-redir', '=http,https']),
    );
    expect(curl.args.slice(-2)).toEqual(['--', 'http://ws1:8080/health']);
  });
});
