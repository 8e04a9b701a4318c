/**
 * The engine's first connection to the embedded dev server, which opens its port before its
 * frontend is healthy (seen under load: `firebreak start` exited on "Frontend is not healthy yet").
 */
import { connectWhenReady, notReadyYet } from '../../apps/engine/connect-ready';

/** The SDK's message for a server that is still starting, as the engine logged it. */
const NOT_HEALTHY = new Error(
  `Failed to call GetSystemInfo: code: 'The service is currently unavailable', message: "Frontend is not healthy yet"`,
);

/** A clock that advances only when the retry sleeps. */
function fakeTime() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms), elapsed: () => t };
}

describe('connecting to a dev server that is still starting', () => {
  it('retries while the server says it is not healthy yet, then answers the connection', async () => {
    const time = fakeTime();
    let calls = 0;
    const connect = async () => {
      calls++;
      if (calls < 4) throw NOT_HEALTHY;
      return 'connection';
    };
    const got = await connectWhenReady(connect, { timeoutMs: 60_000, intervalMs: 500, ...time });
    expect({ got, calls, waited: time.elapsed() }).toEqual({ got: 'connection', calls: 4, waited: 1500 });
  });

  it('gives up with the last error once the server stays not ready past the timeout', async () => {
    const time = fakeTime();
    const connect = async (): Promise<string> => {
      throw NOT_HEALTHY;
    };
    await expect(connectWhenReady(connect, { timeoutMs: 2_000, intervalMs: 500, ...time })).rejects.toBe(
      NOT_HEALTHY,
    );
    expect(time.elapsed()).toBe(2_000);
  });

  it('does not retry any other failure', async () => {
    const time = fakeTime();
    const refused = new Error('Failed to call GetSystemInfo: PermissionDenied: bad API key');
    let calls = 0;
    const connect = async (): Promise<string> => {
      calls++;
      throw refused;
    };
    await expect(connectWhenReady(connect, { timeoutMs: 60_000, intervalMs: 500, ...time })).rejects.toBe(
      refused,
    );
    expect({ calls, notReady: notReadyYet(refused) }).toEqual({ calls: 1, notReady: false });
  });
});
