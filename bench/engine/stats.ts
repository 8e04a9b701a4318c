/** Percentiles, formatting and a bounded-concurrency loop for bench:engine. */

/** The p-th percentile (nearest rank) of `xs`; NaN when empty. */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

export const median = (xs: readonly number[]): number => pct(xs, 50);

export const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');

export const mb = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MB` : 'n/a';

/** `figure / limit` as `0.87×`. */
export const ratio = (figure: number, limit: number): string =>
  Number.isFinite(figure) && Number.isFinite(limit) && limit > 0 ? `${(figure / limit).toFixed(2)}×` : 'n/a';

/** Runs `fn(0..count-1)` with at most `concurrency` in flight, in order of index. */
export async function pool(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
