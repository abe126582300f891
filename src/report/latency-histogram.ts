/**
 * A latency histogram of fixed size, whatever the number of samples: coarse buckets a
 * person reads (under 10 ms, 10–25 ms, …) counted exactly, and fine log-spaced buckets
 * (each 5% wider than the last) for percentiles within 5% of the true value.
 */

/** Upper bounds (exclusive, ms) of the buckets shown; the last bucket is everything above. */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000]);

/** Fine buckets: the first holds up to 0.1 ms, each next one is 5% wider; ~8 hours fit. */
const FINE_BASE_MS = 0.1;
const FINE_GROWTH = 1.05;
const FINE_COUNT = 400;
const LOG_GROWTH = Math.log(FINE_GROWTH);

/** One bucket as shown: samples from `fromMs` (inclusive) up to `toMs` (exclusive; null for no bound). */
export interface LatencyBucket {
  readonly fromMs: number;
  readonly toMs: number | null;
  readonly count: number;
}

/** What a histogram shows: counts per bucket and percentiles (ms, null when there are no samples). */
export interface LatencySummary {
  readonly count: number;
  readonly buckets: readonly LatencyBucket[];
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Counts latency samples in constant memory. */
export class LatencyHistogram {
  private readonly coarse = new Float64Array(LATENCY_BUCKETS_MS.length + 1);
  private readonly fine = new Float64Array(FINE_COUNT + 1);
  private count = 0;
  private max = 0;

  /** Adds one sample in ms; negative or non-finite values are ignored. */
  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms >= (LATENCY_BUCKETS_MS[i] as number)) i += 1;
    this.coarse[i] = (this.coarse[i] as number) + 1;
    const f = ms <= FINE_BASE_MS ? 0 : Math.min(FINE_COUNT, Math.ceil(Math.log(ms / FINE_BASE_MS) / LOG_GROWTH));
    this.fine[f] = (this.fine[f] as number) + 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }

  /** The value below which a share `q` (0–1) of samples lie, rounded up to its fine bucket's bound. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let f = 0; f <= FINE_COUNT; f += 1) {
      seen += this.fine[f] as number;
      if (seen >= rank) return Math.min(this.max, FINE_BASE_MS * FINE_GROWTH ** f);
    }
    return this.max;
  }

  /** The buckets and percentiles. */
  summary(): LatencySummary {
    const buckets = Array.from(this.coarse, (count, i) => ({
      fromMs: i === 0 ? 0 : (LATENCY_BUCKETS_MS[i - 1] as number),
      toMs: LATENCY_BUCKETS_MS[i] ?? null,
      count,
    }));
    return {
      count: this.count,
      buckets,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.count === 0 ? null : this.max,
    };
  }
}
