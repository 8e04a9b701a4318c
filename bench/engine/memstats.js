'use strict';
// Preloaded into the engine (`--require`) when bench:engine runs with BENCH_ENGINE_MEMSTATS=<file>:
// every thread (the main thread and the SDK's workflow worker thread, which inherits the
// preload) appends one JSON line every 2 s to <file> with its V8 heap spaces; the main thread
// adds /proc/self/smaps_rollup and process.memoryUsage(). Touching <file>.snap makes every thread
// write a heap snapshot next to <file> (once per touch). Plain JS: loaded before anything is built.
const fs = require('node:fs');
const v8 = require('node:v8');
const { isMainThread, threadId } = require('node:worker_threads');

const file = process.env.BENCH_ENGINE_MEMSTATS;
if (file) {
  const mb = (n) => Math.round((n / 1048576) * 10) / 10;
  const rollup = () => {
    const out = {};
    for (const line of fs.readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
      const m = /^(\w+):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]] = Math.round(Number(m[2]) / 1024);
    }
    return out;
  };
  const threads = () => fs.readdirSync('/proc/self/task').length;
  let snapSeen = 0;
  const tick = () => {
    const rec = { t: Date.now(), thread: threadId };
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics())
      spaces[s.space_name.replace('_space', '')] = [mb(s.space_size), mb(s.space_used_size)];
    rec.spaces = spaces;
    const h = v8.getHeapStatistics();
    rec.heap = {
      committed: mb(h.total_physical_size),
      used: mb(h.used_heap_size),
      limit: mb(h.heap_size_limit),
      malloced: mb(h.malloced_memory),
      contexts: h.number_of_native_contexts,
    };
    if (isMainThread) {
      const m = process.memoryUsage();
      rec.mem = { rss: mb(m.rss), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
      rec.smaps = rollup();
      rec.threads = threads();
    }
    try {
      const st = fs.statSync(`${file}.snap`);
      if (st.mtimeMs > snapSeen) {
        snapSeen = st.mtimeMs;
        rec.snapshot = v8.writeHeapSnapshot(`${file}.${threadId}.${Date.now()}.heapsnapshot`);
      }
    } catch {
      // no snapshot asked for
    }
    fs.appendFileSync(file, `${JSON.stringify(rec)}\n`);
  };
  setInterval(tick, 2000).unref();
}
