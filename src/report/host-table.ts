/**
 * Per-host counts in bounded memory. A results file may hold a million distinct hosts,
 * so at most {@link MAX_TRACKED_HOSTS} are kept: when the table is full, the half with
 * the fewest requests is dropped (amortised O(log n) per record). Below the cap every
 * number is exact; once a prune has happened the table says so, and a host dropped and
 * seen again counts only from its return, so the top rows are approximate then. The
 * hosts that matter to a reader (the busiest, slowest, most failing) are the ones
 * that stay.
 */

/** Hosts tracked at most; beyond, the least busy half is dropped. */
export const MAX_TRACKED_HOSTS = 10_000;

/** What the report shows of one host. */
export interface HostRow {
  /** `hostname:port` as the URL gives it (port only when not the scheme's default). */
  readonly host: string;
  readonly requests: number;
  readonly failed: number;
  /** Mean of `timings.total` over the host's attempted requests; null when none was attempted. */
  readonly meanTotalMs: number | null;
  readonly maxTotalMs: number | null;
  /** Mean time to first byte over the requests that got headers; null when none did. */
  readonly meanTtfbMs: number | null;
}

interface HostCounts {
  requests: number;
  failed: number;
  timed: number;
  totalMs: number;
  maxTotalMs: number;
  ttfbCount: number;
  ttfbMs: number;
}

/** The host of a URL, or a fixed label for text that is not a URL. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || '(no host)';
  } catch {
    return '(not a URL)';
  }
}

/** Counts requests, failures and latency per host. */
export class HostTable {
  private readonly hosts = new Map<string, HostCounts>();
  private pruned = false;

  constructor(private readonly cap = MAX_TRACKED_HOSTS) {}

  /** Adds one record's numbers; `totalMs` only for an attempted request, `ttfbMs` when headers came. */
  add(host: string, failed: boolean, totalMs: number | null, ttfbMs: number | null): void {
    let counts = this.hosts.get(host);
    if (counts === undefined) {
      if (this.hosts.size >= this.cap) this.prune();
      counts = { requests: 0, failed: 0, timed: 0, totalMs: 0, maxTotalMs: 0, ttfbCount: 0, ttfbMs: 0 };
      this.hosts.set(host, counts);
    }
    counts.requests += 1;
    if (failed) counts.failed += 1;
    if (totalMs !== null) {
      counts.timed += 1;
      counts.totalMs += totalMs;
      counts.maxTotalMs = Math.max(counts.maxTotalMs, totalMs);
    }
    if (ttfbMs !== null) {
      counts.ttfbCount += 1;
      counts.ttfbMs += ttfbMs;
    }
  }

  /** True once hosts have been dropped: the rows are then approximate. */
  get approximate(): boolean {
    return this.pruned;
  }

  /** Hosts currently tracked. */
  get size(): number {
    return this.hosts.size;
  }

  /** The `limit` hosts with the highest mean total time (attempted requests only). */
  slowest(limit: number): HostRow[] {
    return this.rows()
      .filter((row) => row.meanTotalMs !== null)
      .sort((a, b) => (b.meanTotalMs as number) - (a.meanTotalMs as number) || b.requests - a.requests)
      .slice(0, limit);
  }

  /** The `limit` hosts with the most failed requests, then the highest failure share. */
  mostFailing(limit: number): HostRow[] {
    return this.rows()
      .filter((row) => row.failed > 0)
      .sort((a, b) => b.failed - a.failed || b.failed / b.requests - a.failed / a.requests)
      .slice(0, limit);
  }

  private rows(): HostRow[] {
    return [...this.hosts].map(([host, c]) => ({
      host,
      requests: c.requests,
      failed: c.failed,
      meanTotalMs: c.timed === 0 ? null : c.totalMs / c.timed,
      maxTotalMs: c.timed === 0 ? null : c.maxTotalMs,
      meanTtfbMs: c.ttfbCount === 0 ? null : c.ttfbMs / c.ttfbCount,
    }));
  }

  private prune(): void {
    const keep = [...this.hosts].sort((a, b) => b[1].requests - a[1].requests).slice(0, Math.floor(this.cap / 2));
    this.hosts.clear();
    for (const [host, counts] of keep) this.hosts.set(host, counts);
    this.pruned = true;
  }
}
