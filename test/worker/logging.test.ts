/**
 * The worker's runtime log (worker/logging.ts): one line per entry with the failure's reason, the
 * stack only at debug level; and the outbox mailer's line without a doubled `firebreak` prefix.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOperatorLogger, formatEntry, logLevelFrom, reasonOf } from '../../worker/logging';
import { createMailer } from '../../services/notify';

/** What the SDK passes with "Activity failed" for a runCommand attempt that could not connect. */
function sshFailure(): { meta: Record<string, unknown>; error: Error } {
  const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:22'), { code: 'ECONNREFUSED' });
  const error = new Error('step connections: 10.0.0.7: cannot reach firebreak@10.0.0.7:22', { cause });
  error.name = 'SshConnectError';
  const meta = {
    error,
    durationMs: 12,
    isLocal: false,
    attempt: 3,
    namespace: 'default',
    taskToken: 'Cg0KC…',
    activityId: '7',
    activityType: 'runCommand',
    taskQueue: 'firebreak',
    workflowId: 'incident-qcat-db-pool-exhausted-9c3e',
    workflowRunId: '0195…',
    workflowType: 'incidentWorkflow',
    sdkComponent: 'worker',
  };
  return { meta, error };
}

describe('the worker runtime log', () => {
  it('prints an activity failure as one line with its reason', () => {
    const { meta } = sshFailure();
    expect(formatEntry('WARN', 'Activity failed', meta)).toBe(
      '[WARN] activity runCommand failed (attempt 3, incident-qcat-db-pool-exhausted-9c3e, 12 ms): SshConnectError: step connections: 10.0.0.7: cannot reach firebreak@10.0.0.7:22; caused by connect ECONNREFUSED 10.0.0.7:22',
    );
  });

  it('keeps other entries to one line with their useful context', () => {
    expect(
      formatEntry('INFO', 'Worker state changed', {
        sdkComponent: 'worker',
        taskQueue: 'firebreak',
        state: 'RUNNING',
      }),
    ).toBe('[INFO] Worker state changed (state=RUNNING)');
    expect(reasonOf(new Error('line one\n    at frame\n  line two'))).toBe('line one at frame line two');
  });

  it('writes the stack trace only at debug level, after the one-line reason', () => {
    const { meta, error } = sshFailure();
    const info: string[] = [];
    createOperatorLogger('INFO', (l) => info.push(l)).warn('Activity failed', meta);
    expect(info).toHaveLength(1);
    expect(info[0]!.split('\n')).toHaveLength(1);

    const debug: string[] = [];
    const logger = createOperatorLogger('DEBUG', (l) => debug.push(l));
    logger.warn('Activity failed', meta);
    logger.trace('polling');
    expect(debug).toHaveLength(2);
    expect(debug[0]).toBe(info[0]);
    expect(debug[1]).toBe(`[DEBUG] ${error.stack}`);
  });

  it('takes its level from FIREBREAK_LOG_LEVEL and refuses an unknown one', () => {
    expect(logLevelFrom({})).toBe('INFO');
    expect(logLevelFrom({ FIREBREAK_LOG_LEVEL: 'debug' })).toBe('DEBUG');
    expect(() => logLevelFrom({ FIREBREAK_LOG_LEVEL: 'loud' })).toThrow(
      'FIREBREAK_LOG_LEVEL: expected one of trace, debug, info, warn, error, got "loud"',
    );
  });
});

describe('the outbox mailer’s log line', () => {
  it('reads `mail → …`, so the engine’s `firebreak:` prefix is not doubled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-outbox-'));
    try {
      const lines: string[] = [];
      const mailer = createMailer(
        { from: 'firebreak@localhost', outboxDir: dir },
        { log: (l) => lines.push(l) },
      );
      await mailer.send({
        to: 'alice@example.com',
        subject: 'Incident opened',
        text: 'hi',
        html: '<p>hi</p>',
      });
      mailer.close();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^mail → alice@example\.com: Incident opened \(.*\.eml\)$/);
      expect(`firebreak: ${lines[0]}`).not.toMatch(/firebreak: firebreak/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
