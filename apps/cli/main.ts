/**
 * `firebreak` entry point: dispatches to one module per command. Modules load lazily so a
 * `firebreak validate` pays only for the runbook pipeline, not for Temporal or Fastify.
 */
import type { CliIO, CommandRunner } from './io';
import { EXIT, processIO } from './io';

/** Every command module exports `run`. */
interface CommandModule {
  run: CommandRunner;
}

/* eslint-disable @typescript-eslint/no-require-imports -- lazy CommonJS loads keep start-up light */
const COMMANDS: Record<string, { summary: string; load: () => CommandRunner }> = {
  validate: {
    summary: 'validate runbooks (default: $FIREBREAK_RUNBOOKS, else runbooks/)',
    load: () => (require('./validate') as CommandModule).run,
  },
  plan: {
    summary: 'dry run: what a runbook would do for an alert',
    load: () => (require('./plan') as CommandModule).run,
  },
  incident: {
    summary: 'list|show|ack|approve|reject|note|report incidents',
    load: () => (require('./incident') as CommandModule).run,
  },
  alert: {
    summary: 'fire an example alert at the intake (demo); list the alerts no runbook matched',
    load: () => (require('./alert') as CommandModule).run,
  },
  demo: {
    summary: 'run the demo incident against a running engine (approve, remediate, report)',
    load: () => (require('./demo') as CommandModule).run,
  },
  start: {
    summary: 'run the engine: Temporal dev server, worker and intake',
    load: () => (require('./start') as CommandModule).run,
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: firebreak <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`firebreak: unknown command "${name}"\n${usage()}`);
    return EXIT.usage;
  }
  const run = command.load();
  return run(rest, io);
}
