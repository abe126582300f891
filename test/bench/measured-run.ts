/** What the bench's own clients (baseline, bare) measure around their requests. */

/** Counts a client keeps while it runs. */
export interface RunCounts {
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  readonly bytes: number;
  /** More fields for the summary line (e.g. statuses and errors seen). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * Runs `work` (the requests, nothing else: start-up and reading the URL file stay
 * outside) and prints the one-line JSON summary `fanout fetch --json` prints, with
 * its wall and CPU time.
 */
export async function measureRun(work: () => Promise<void>, counts: () => RunCounts): Promise<void> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await work();
  const elapsedS = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const { total, ok, failed, bytes, extra } = counts();
  process.stdout.write(
    `${JSON.stringify({
      total,
      ok,
      failed,
      elapsed_s: elapsedS,
      requests_per_s: total / elapsedS,
      cpu_ms: cpuMs,
      cpu_us_per_request: (cpuMs * 1000) / total,
      max_rss_mib: process.resourceUsage().maxRSS / 1024,
      bytes,
      ...extra,
    })}\n`,
  );
}
