/** Shared builders for the transport/ tests. */
import type { ResolvedTarget, RunCommandInput } from '../../activities/types';
import type { FirebreakConfig } from '../../services/config/types';

export function sshConfig(over: Partial<FirebreakConfig['ssh']> = {}): FirebreakConfig['ssh'] {
  return {
    knownHostsFile: '/nonexistent/known_hosts',
    useAgent: false,
    acceptUnknownHosts: false,
    connectTimeoutMs: 5000,
    keepaliveIntervalMs: 10000,
    poolMaxPerHost: 2,
    poolIdleMs: 30000,
    ...over,
  };
}

export function target(over: Partial<ResolvedTarget> = {}): ResolvedTarget {
  return { name: 't', transport: 'local', hosts: [], concurrency: 4, failFast: false, ...over };
}

export function input(command: string, over: Partial<RunCommandInput> = {}): RunCommandInput {
  return {
    incidentId: 'inc-1',
    stepId: 'step-1',
    target: target(),
    command,
    secrets: [],
    sudo: false,
    env: {},
    timeoutMs: 20000,
    outputCapBytes: 64 * 1024,
    extract: [],
    ...over,
  };
}

/** Whether a process of this machine is alive (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
