/**
 * loadConfig: environment variables, the optional YAML file, precedence and clear errors.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadTargetSettings } from '../../services/config';
import { ensureDevServerBinary, ensureTestServerBinary } from '../../services/provision';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'firebreak-config-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('fills sensible defaults from an almost empty environment', () => {
    const c = loadConfig({ FIREBREAK_HOME: home });
    expect(c.home).toBe(home);
    expect(c.temporal).toMatchObject({ namespace: 'default', taskQueue: 'firebreak' });
    expect(c.temporal.address).toBeUndefined();
    expect(c.intake).toMatchObject({ host: '127.0.0.1', port: 8680, publicUrl: 'http://127.0.0.1:8680' });
    expect(c.mail.outboxDir).toBe(join(home, 'outbox'));
    expect(c.reportsDir).toBe(join(home, 'reports'));
    expect(c.ssh.acceptUnknownHosts).toBe(false);
  });

  it('resolves a relative FIREBREAK_HOME against the working directory', () => {
    expect(loadConfig({ FIREBREAK_HOME: 'rel-home-x' }, { approvalSigningKey: 'k'.repeat(32) }).home).toBe(
      join(process.cwd(), 'rel-home-x'),
    );
  });

  it('generates an approval key once, keeps it in approval.key with mode 0600, and reuses it', () => {
    const first = loadConfig({ FIREBREAK_HOME: home }).approvalSigningKey;
    const file = join(home, 'approval.key');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ FIREBREAK_HOME: home }).approvalSigningKey).toBe(first);
    expect(
      loadConfig({ FIREBREAK_HOME: home, FIREBREAK_APPROVAL_KEY: 'x'.repeat(20) }).approvalSigningKey,
    ).toBe('x'.repeat(20));
  });

  it('reads inventory, secrets and tokens from the YAML file, and lets the environment win', () => {
    writeFileSync(
      join(home, 'firebreak.yaml'),
      [
        'temporal: { address: "10.0.0.1:7233", namespace: filens }',
        'intake: { port: 9000, tokens: { tok1: alice } }',
        'inventory:',
        '  db: [db1.internal, { host: db2.internal, port: 2222, user: ops }]',
        'secrets:',
        '  pg-password: { env: PGPASSWORD }',
      ].join('\n'),
    );
    const c = loadConfig({
      FIREBREAK_HOME: home,
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      FIREBREAK_API_TOKENS: 'tok2=bob',
    });
    expect(c.temporal.address).toBe('127.0.0.1:7233');
    expect(c.temporal.namespace).toBe('filens');
    expect(c.intake.port).toBe(9000);
    expect(c.intake.tokens).toEqual({ tok1: 'alice', tok2: 'bob' });
    expect(c.inventory.db).toEqual([
      { host: 'db1.internal' },
      { host: 'db2.internal', port: 2222, user: 'ops' },
    ]);
    expect(c.secrets['pg-password']).toEqual({ env: 'PGPASSWORD' });
  });

  it('keeps only the name of the variable holding the Temporal API key, never its value', () => {
    const c = loadConfig({ FIREBREAK_HOME: home, TEMPORAL_API_KEY: 'very-secret-key' });
    expect(c.temporal.apiKeyEnv).toBe('TEMPORAL_API_KEY');
    expect(JSON.stringify(c)).not.toContain('very-secret-key');
  });

  it.each([
    ['FIREBREAK_PORT', 'eighty', /FIREBREAK_PORT: expected an integer, got "eighty"/],
    ['FIREBREAK_PORT', '70000', /FIREBREAK_PORT: 70000 is out of range/],
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS: expected host:port, got "localhost"/],
    ['SMTP_URL', 'http://mail', /SMTP_URL: URL scheme "http:"/],
    ['FIREBREAK_PUBLIC_URL', 'not a url', /FIREBREAK_PUBLIC_URL: not a valid URL: "not a url"/],
    [
      'FIREBREAK_SSH_ACCEPT_UNKNOWN',
      'maybe',
      /FIREBREAK_SSH_ACCEPT_UNKNOWN: expected true\/false, got "maybe"/,
    ],
    ['TEMPORAL_TLS_CERT', '/nonexistent/cert.pem', /TEMPORAL_TLS_KEY: client TLS needs both/],
    ['FIREBREAK_APPROVAL_KEY', 'short', /FIREBREAK_APPROVAL_KEY: must be at least 16 characters/],
  ])('rejects %s=%s with an error naming the variable and the value', (key, value, message) => {
    expect(() => loadConfig({ FIREBREAK_HOME: home, [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ FIREBREAK_HOME: home, [key]: value })).toThrow(message);
  });

  it('names the file when the YAML config is malformed or an explicit one is missing', () => {
    writeFileSync(join(home, 'firebreak.yaml'), 'inventory: [unclosed');
    expect(() => loadConfig({ FIREBREAK_HOME: home })).toThrow(
      /FIREBREAK_CONFIG: .*firebreak\.yaml is not valid YAML/,
    );
    expect(() => loadConfig({ FIREBREAK_HOME: home, FIREBREAK_CONFIG: join(home, 'nope.yaml') })).toThrow(
      /file not found: .*nope\.yaml/,
    );
    writeFileSync(join(home, 'firebreak.yaml'), 'inventory: { db: [ { port: 22 } ] }');
    expect(() => loadConfig({ FIREBREAK_HOME: home })).toThrow(/inventory\.db\[0\]: expected a host name/);
  });
});

describe('target settings', () => {
  it('reads inventory aliases, strict inventory and the library severity mapping', () => {
    writeFileSync(
      join(home, 'firebreak.yaml'),
      [
        'inventory:',
        "  pg: [{ host: 10.0.0.11, user: ops, aliases: [db1, 'db1:9187', ' db1.prod '] }]",
        'strictInventory: true',
        'severityFrom: { map: { critical: P1, warning: P2 } }',
      ].join('\n'),
    );
    const c = loadConfig({ FIREBREAK_HOME: home });
    expect(c.inventory.pg).toEqual([
      { host: '10.0.0.11', user: 'ops', aliases: ['db1', 'db1:9187', 'db1.prod'] },
    ]);
    expect(c.strictInventory).toBe(true);
    expect(c.severityFrom).toEqual({ label: 'severity', map: { critical: 'P1', warning: 'P2' } });
    expect(loadConfig({ FIREBREAK_HOME: home, FIREBREAK_STRICT_INVENTORY: 'false' }).strictInventory).toBe(
      false,
    );
    expect(loadTargetSettings({ FIREBREAK_HOME: home }, '/')).toEqual({
      inventory: c.inventory,
      strictInventory: true,
      severityFrom: c.severityFrom,
    });
  });

  it.each([
    ['inventory: { pg: [{ host: "db1; id" }] }', /inventory\.pg\[0\]\.host: "db1; id" is not a host name/],
    [
      'inventory: { pg: [{ host: db1, aliases: db1 }] }',
      /inventory\.pg\[0\]\.aliases: expected a list of names/,
    ],
    [
      'inventory: { pg: [{ host: db1, port: 70000 }] }',
      /inventory\.pg\[0\]\.port: expected a port 1\.\.65535/,
    ],
    ['inventory: { pg: [{ host: db1, alias: [x] }] }', /inventory\.pg\[0\]\.alias: unknown key/],
    [
      'severityFrom: { map: { critical: urgent } }',
      /severityFrom\.map\.critical: expected one of P0, P1, P2, P3/,
    ],
  ])('refuses %s naming the entry at fault', (yaml, message) => {
    writeFileSync(join(home, 'firebreak.yaml'), yaml);
    expect(() => loadConfig({ FIREBREAK_HOME: home })).toThrow(message);
  });
});

describe('provisioned Temporal binaries', () => {
  it('are found by the provisioning scripts and are executable files', async () => {
    const [cli, ts] = await Promise.all([ensureDevServerBinary(), ensureTestServerBinary()]);
    for (const p of [cli, ts]) {
      expect(p).toBeDefined();
      expect(statSync(p!).mode & 0o111).not.toBe(0);
    }
  });
});
