/**
 * Per-process figures from /proc (Linux): resident memory now and at its peak, and CPU seconds
 * (user + system) since the process started. A sampler polls the resident size, so the peak seen
 * is at most one interval late; VmHWM (the kernel's own high-water mark) backs it up.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Resident and peak resident memory in bytes, undefined once the process is gone. */
export function memory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) the process itself has used (not its children: the dev server is counted on its own). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12].map((i) => Number(fields[i] ?? 0)).reduce((a, b) => a + b, 0);
    return ticks / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** Polls a process's resident size; `peak()` is the highest seen since the last `reset()`. */
export class RssSampler {
  private max = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 200,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    this.sample();
  }

  sample(): number {
    const m = memory(this.pid);
    if (m && m.rss > this.max) this.max = m.rss;
    return m?.rss ?? NaN;
  }

  peak(): number {
    this.sample();
    return this.max;
  }

  reset(): void {
    this.max = 0;
    this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
