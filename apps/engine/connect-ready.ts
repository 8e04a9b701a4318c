/**
 * The embedded dev server opens its port before its frontend is healthy: on a loaded machine the
 * first GetSystemInfo answers UNAVAILABLE ("Frontend is not healthy yet") for a few seconds, and
 * `firebreak start` exited on it. The engine retries while the server says it is not ready yet.
 */

/** How long, and how often, to retry a connection the server refuses as not ready yet. */
export interface ReadyRetry {
  timeoutMs: number;
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** True for the answers of a server that is still starting (worth another try). */
export function notReadyYet(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /not healthy yet|service is currently unavailable|UNAVAILABLE/iu.test(message);
}

/** Runs `connect` until it succeeds, fails otherwise, or the server stays not ready past the timeout. */
export async function connectWhenReady<T>(connect: () => Promise<T>, retry: ReadyRetry): Promise<T> {
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = retry.now ?? Date.now;
  const deadline = now() + retry.timeoutMs;
  for (;;) {
    try {
      return await connect();
    } catch (err) {
      if (!notReadyYet(err) || now() >= deadline) throw err;
      await sleep(retry.intervalMs);
    }
  }
}
