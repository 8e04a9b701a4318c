/** Runs CLI commands in-process and keeps what they print. */
import type { CliIO } from '../../apps/cli/io';

export type CapturedIO = CliIO & { stdout: string[]; stderr: string[] };

export function captureIO(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = {}): CapturedIO {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    cwd,
    env,
  };
}
