/**
 * Who can reach the intake: listening beyond loopback without an alert token and person tokens
 * refuses to start (or, explicitly overridden, starts with a loud warning); the address printed is
 * the one actually bound; reads need credentials unless explicitly opened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { run as runStart } from '../../apps/cli/start';
import { banner } from '../../apps/engine';
import type { RunningEngine } from '../../apps/engine';
import { buildIntake, checkExposure, isLoopback, libraryFromPlans, startIntake } from '../../apps/intake';
import { EngineError } from '../../services/config/errors';
import { captureIO } from '../support/cli';
import { config, plan, state } from '../intake/support/fixtures';

/** A client that answers the state query with the fixture incident (no Temporal needed). */
const client = {
  workflow: {
    getHandle: (workflowId: string) => ({
      query: () => Promise.resolve(state()),
      // A run without a memo: its incident id is its workflow id (incident-lookup.ts).
      describe: () =>
        Promise.resolve({ workflowId, runId: 'r', status: { name: 'RUNNING' }, historyLength: 3 }),
    }),
  },
} as unknown as Client;
const library = libraryFromPlans([plan()]);

describe('listening beyond loopback', () => {
  it('tells loopback addresses from the others', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect({ h, loopback: isLoopback(h) }).toEqual({ h, loopback: true });
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'db1.internal', '[::]'])
      expect({ h, loopback: isLoopback(h) }).toEqual({ h, loopback: false });
  });

  it('refuses without an alert token or without person tokens, naming what is missing', () => {
    const base = { host: '0.0.0.0', alertToken: false, personTokens: 0, allowInsecureBind: false };
    expect(() => checkExposure(base)).toThrow(EngineError);
    expect(() => checkExposure(base)).toThrow(
      /without an alert token \(FIREBREAK_ALERT_TOKEN\) and person tokens/u,
    );
    expect(() => checkExposure({ ...base, alertToken: true })).toThrow(/without person tokens/u);
    expect(() => checkExposure({ ...base, personTokens: 2 })).toThrow(/without an alert token/u);
    expect(checkExposure({ ...base, alertToken: true, personTokens: 1 })).toBeUndefined();
    expect(checkExposure({ ...base, host: '127.0.0.1' })).toBeUndefined();
    expect(checkExposure({ ...base, allowInsecureBind: true })).toMatch(/^WARNING: listening on 0\.0\.0\.0/u);
  });

  it('does not start the intake on 0.0.0.0 without tokens', async () => {
    const cfg = config({ intake: { ...config().intake, host: '0.0.0.0', port: 0 } });
    await expect(startIntake(cfg, { client, library })).rejects.toThrow(/refusing to start/u);
  });

  it('starts with tokens and reports the address actually bound, not 127.0.0.1', async () => {
    const cfg = config({
      intake: { ...config().intake, host: '0.0.0.0', port: 0, alertToken: 'a'.repeat(24) },
    });
    const intake = await startIntake(cfg, { client, library, tokens: { 'tok-dave': 'dave' } });
    try {
      expect(intake.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/u);
      const port = new URL(intake.url).port;
      expect((await fetch(`http://127.0.0.1:${port}/v1/incidents/x`)).status).toBe(401);
      const engine = {
        config: cfg,
        intakeUrl: intake.url,
        temporalAddress: '127.0.0.1:7233',
      } as RunningEngine;
      expect(banner(engine)).toContain(`console       ${intake.url}/`);
      expect(banner(engine)).toContain('listening on every interface of this machine');
    } finally {
      await intake.close();
    }
  });

  it('starts with the explicit override and says so loudly', async () => {
    const cfg = config({ intake: { ...config().intake, host: '0.0.0.0', port: 0, allowInsecureBind: true } });
    const warnings: string[] = [];
    const intake = await startIntake(cfg, { client, library, log: (l) => warnings.push(l) });
    await intake.close();
    expect(warnings).toEqual([
      expect.stringMatching(/^WARNING: listening on 0\.0\.0\.0 .*FIREBREAK_ALLOW_INSECURE_BIND=true/u),
    ]);
  });

  it('makes `firebreak start` refuse FIREBREAK_HOST=0.0.0.0 without tokens before starting Temporal', async () => {
    const home = mkdtempSync(join(tmpdir(), 'fb-exposed-'));
    try {
      const io = captureIO(process.cwd(), {
        FIREBREAK_HOME: home,
        FIREBREAK_HOST: '0.0.0.0',
        FIREBREAK_PORT: '0',
      });
      const started = Date.now();
      expect(await runStart([], io)).toBe(1);
      expect(io.stderr.join('\n')).toMatch(
        /firebreak: refusing to start: listening on 0\.0\.0\.0 \(beyond loopback\)/u,
      );
      expect(io.stderr.join('\n')).not.toMatch(/Temporal dev server on/u);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('reads', () => {
  it('need a token or a session by default, and an explicit setting opens them', async () => {
    const closed = await buildIntake({ client, library, config: config() });
    const open = await buildIntake({
      client,
      library,
      config: config({ intake: { ...config().intake, openReads: true } }),
    });
    try {
      for (const path of ['/v1/incidents/incident-pg-connections-abc123', '/console/events?topic=list']) {
        expect((await closed.inject({ url: path })).statusCode).toBe(401);
      }
      expect((await closed.inject({ url: '/' })).headers.location).toBe('/signin?next=%2F');
      const json = await open.inject({ url: '/v1/incidents/incident-pg-connections-abc123' });
      expect(json.statusCode).toBe(200);
      expect(json.json<{ id: string }>().id).toBe('incident-pg-connections-abc123');
      const page = await open.inject({ url: '/incidents/incident-pg-connections-abc123' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Sign in to decide');
    } finally {
      await closed.close();
      await open.close();
    }
  });
});
