/**
 * Measures of how fast requests started, from their start times in ms (ascending,
 * as `performance.now()` gives them). Pure, for the rate probe and for benchmarks.
 */

/**
 * The most starts in any window of `windowMs`, sliding over the start times: the
 * windows are half-open, `[t, t + windowMs)`, so two starts exactly `windowMs`
 * apart never share one (a limiter of 10/s, one start every 100 ms, shows 10 per
 * 1,000 ms window, not 11). The busiest window always opens at a start, so
 * checking those is exact.
 *
 * @example
 * maxPerWindow([0, 10, 20, 500, 1005], 1000) // 4: [0, 1000) holds 0, 10, 20, 500
 */
export function maxPerWindow(starts: readonly number[], windowMs: number): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < starts.length; last++) {
    while ((starts[last] as number) - (starts[first] as number) >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/**
 * Starts per fixed bucket of `bucketMs`, the first bucket opening at the first
 * start: `[first, first + bucketMs)`, then the next. Empty buckets count 0; no
 * starts give `[]`. Coarser than {@link maxPerWindow} (a burst across a boundary
 * is split in two), but shows how the rate moved over the run.
 */
export function bucketCounts(starts: readonly number[], bucketMs = 100): number[] {
  if (starts.length === 0) return [];
  const origin = starts[0] as number;
  const counts = Array.from({ length: Math.floor(((starts.at(-1) as number) - origin) / bucketMs) + 1 }, () => 0);
  for (const start of starts) counts[Math.floor((start - origin) / bucketMs)]! += 1;
  return counts;
}

/**
 * The rate the starts kept, in requests per second: `(n − 1) / (last − first)`
 * over the starts from index `skip` on. That is n starts ÷ their span × (n − 1)/n:
 * n starts enclose n − 1 gaps, so a steady 1 every 100 ms gives exactly 10/s
 * whatever n (n ÷ span would overstate it by n/(n − 1)). Skip an opening burst to
 * see the steady rate behind it. Null with fewer than two starts, or none apart.
 */
export function achievedRate(starts: readonly number[], skip = 0): number | null {
  const kept = starts.slice(skip);
  if (kept.length < 2) return null;
  const span = (kept.at(-1) as number) - (kept[0] as number);
  return span > 0 ? ((kept.length - 1) / span) * 1000 : null;
}
