/**
 * `--diagnose`: reads the engine's result records of one run and tells where a
 * shortfall against the ideal comes from: slots left empty (the scheduler) or
 * requests that took longer than the server's latency (per-request overhead,
 * connection set-up, a busy event loop).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** What the records of one engine run say. */
export interface RecordDiagnosis {
  readonly records: number;
  /** Σ timings.total / concurrency / elapsed: 1 means no slot was ever empty. */
  readonly slotOccupancy: number;
  readonly totalMs: { readonly mean: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
}

function quantile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] ?? Number.NaN;
}

/** Reads `path` (JSONL records of `fanout fetch`) and summarises the attempt times. */
export async function diagnoseRecords(path: string, concurrency: number, elapsedS: number): Promise<RecordDiagnosis> {
  const totals: number[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const total = (JSON.parse(line) as { timings?: { total?: unknown } }).timings?.total;
    if (typeof total === 'number') totals.push(total);
  }
  const sorted = Float64Array.from(totals).sort();
  const sum = totals.reduce((a, b) => a + b, 0);
  return {
    records: totals.length,
    slotOccupancy: sum / 1000 / concurrency / elapsedS,
    totalMs: {
      mean: sum / Math.max(1, totals.length),
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      p99: quantile(sorted, 0.99),
      max: quantile(sorted, 1),
    },
  };
}

/** One line for the run's log. */
export function formatDiagnosis(d: RecordDiagnosis): string {
  const t = d.totalMs;
  return (
    `slot occupancy ${d.slotOccupancy.toFixed(3)}; attempt ms mean ${t.mean.toFixed(1)}, ` +
    `p50 ${t.p50.toFixed(1)}, p90 ${t.p90.toFixed(1)}, p99 ${t.p99.toFixed(1)}, max ${t.max.toFixed(1)} ` +
    `(${d.records} records)`
  );
}
