/**
 * `firebreak start` (what `npm start` runs): the whole engine in the foreground until Ctrl-C.
 */
import { ConfigError } from '../../services/config';
import { banner, EngineError, startEngine } from '../engine';
import type { CliIO } from './io';
import { EXIT } from './io';

export async function run(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(
      'usage: firebreak start\n\nRuns the Temporal dev server (unless TEMPORAL_ADDRESS is set), the worker and the intake.\n' +
        'Environment: FIREBREAK_HOME, FIREBREAK_PORT, TEMPORAL_ADDRESS, TEMPORAL_PORT, TEMPORAL_UI_PORT, SMTP_URL (see README).',
    );
    return EXIT.ok;
  }
  if (argv.length > 0) {
    io.err(`firebreak start: unexpected argument "${argv[0]}"`);
    return EXIT.usage;
  }
  let engine;
  try {
    engine = await startEngine({ env: io.env, log: (line) => io.err(`firebreak: ${line}`) });
  } catch (err) {
    if (err instanceof EngineError || err instanceof ConfigError) {
      io.err(`firebreak: ${err.message}`);
      return EXIT.failed;
    }
    throw err;
  }
  io.out(banner(engine));

  const stopping = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const outcome = await Promise.race([
    stopping.then((sig) => ({ kind: 'signal' as const, sig })),
    engine.done.then(
      () => ({ kind: 'worker-stopped' as const }),
      (err: unknown) => ({ kind: 'worker-crashed' as const, err }),
    ),
  ]);
  if (outcome.kind === 'signal') io.err(`firebreak: ${outcome.sig} received, stopping...`);
  else if (outcome.kind === 'worker-crashed')
    io.err(`firebreak: the worker stopped: ${String((outcome.err as Error)?.message ?? outcome.err)}`);
  await engine.stop();
  io.err('firebreak: stopped');
  return outcome.kind === 'worker-crashed' ? EXIT.failed : EXIT.ok;
}
