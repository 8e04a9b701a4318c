/**
 * Live updates as server-sent events. One poller per topic (`list`, `incident:<id>`), shared by
 * every page watching it and running only while one does: each second it reads the topic's
 * change marker and tells the watchers when it moved; the page then fetches itself again.
 */
import type { ServerResponse } from 'node:http';

/** How often a watched topic is checked: a change reaches the page within about 1-2 s. */
export const LIVE_POLL_MS = 1_000;
const KEEPALIVE_MS = 15_000;

interface Topic {
  watchers: Set<ServerResponse>;
  version: string | undefined;
  timer: NodeJS.Timeout;
  polling: boolean;
}

/** The event streams of one intake, one shared poller per watched topic. */
export class LiveHub {
  private readonly topics = new Map<string, Topic>();
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    private readonly versionOf: (topic: string) => Promise<string>,
    private readonly pollMs = LIVE_POLL_MS,
  ) {
    this.keepalive = setInterval(() => this.each((res) => res.write(': keepalive\n\n')), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /**
   * Streams `topic`'s changes to `res` (already hijacked from Fastify) until the client goes away
   * or `endAt` (epoch ms, e.g. the session's expiry) passes.
   */
  watch(topic: string, res: ServerResponse, endAt?: number): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Reverse proxies (nginx) must pass events through as they come.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const t = this.topics.get(topic) ?? this.start(topic);
    t.watchers.add(res);
    const end = endAt ? setTimeout(() => res.end(), Math.max(0, endAt - Date.now())) : undefined;
    end?.unref();
    res.on('close', () => {
      if (end) clearTimeout(end);
      t.watchers.delete(res);
      if (t.watchers.size === 0) {
        clearInterval(t.timer);
        this.topics.delete(topic);
      }
    });
  }

  /** Ends every stream (the intake is closing). */
  close(): void {
    clearInterval(this.keepalive);
    this.each((res) => res.end());
    for (const t of this.topics.values()) clearInterval(t.timer);
    this.topics.clear();
  }

  private start(topic: string): Topic {
    const t: Topic = {
      watchers: new Set(),
      version: undefined,
      polling: false,
      timer: setInterval(() => void this.poll(topic, t), this.pollMs),
    };
    t.timer.unref();
    this.topics.set(topic, t);
    void this.poll(topic, t);
    return t;
  }

  private async poll(topic: string, t: Topic): Promise<void> {
    if (t.polling) return;
    t.polling = true;
    try {
      const v = await this.versionOf(topic);
      if (t.version !== undefined && v !== t.version) {
        for (const res of t.watchers) res.write(`event: change\ndata: ${Date.now()}\n\n`);
      }
      t.version = v;
    } catch {
      // Temporal unreachable for a moment: try again on the next tick.
    } finally {
      t.polling = false;
    }
  }

  private each(fn: (res: ServerResponse) => void): void {
    for (const t of this.topics.values()) for (const res of t.watchers) fn(res);
  }
}
