import { cutChunks, type ChunkLimits } from './chunking';
import {
  countNewlines,
  firstLines,
  MANIFEST_RANGE_BYTES,
  planRanges,
  readRangeUrls,
  type ManifestReader,
} from './manifest';
import type { PlanMessage, RangeMessage, SplitMessage } from './messages';
import type { JobStore, QueuePublisher } from './ports';

/** What the splitter needs. */
export interface SplitDeps {
  readonly jobs: JobStore;
  readonly manifests: ManifestReader;
  readonly chunkQueue: QueuePublisher;
  readonly splitQueue: QueuePublisher;
  readonly limits: ChunkLimits;
  readonly now: () => number;
  /** Bytes per range; defaults to {@link MANIFEST_RANGE_BYTES}. */
  readonly rangeBytes?: number;
  /** Ranges read at once while planning. */
  readonly planParallel?: number;
}

/** Zero-padded so chunk ids, and so results pages, sort in manifest order. */
function rangePrefix(index: number): string {
  return `r${String(index).padStart(5, '0')}`;
}

/**
 * Plans a manifest: reads its ranges in parallel to count newlines (so each range
 * knows its first line number), records the number of splits on the job, and queues
 * one range message per range for parallel splitter invocations.
 */
export async function planManifest(deps: SplitDeps, msg: PlanMessage): Promise<number> {
  const size = await deps.manifests.size(msg.bucket, msg.key);
  const ranges = planRanges(size, deps.rangeBytes ?? MANIFEST_RANGE_BYTES);
  const stats = ranges.map(() => ({ newlines: 0, endsWithNewline: false }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ranges.length) {
      const i = next++;
      const r = ranges[i] as { start: number; end: number };
      const buf = await deps.manifests.readRange(msg.bucket, msg.key, r.start, r.end);
      stats[i] = { newlines: countNewlines(buf), endsWithNewline: buf[buf.length - 1] === 0x0a };
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.planParallel ?? 4, ranges.length) }, worker));
  const lines = firstLines(stats);
  // Splits first: the job cannot look done while ranges are still to be registered.
  await deps.jobs.setSplitsTotal(msg.jobId, ranges.length, deps.now());
  const messages = ranges.map((r, index) => {
    const body: RangeMessage = {
      kind: 'range',
      jobId: msg.jobId,
      bucket: msg.bucket,
      key: msg.key,
      options: msg.options,
      index,
      start: r.start,
      end: r.end,
      size,
      firstLine: lines[index] as number,
    };
    return { id: `range-${index}`, body: JSON.stringify(body) };
  });
  await deps.splitQueue.sendAll(messages);
  return ranges.length;
}

/**
 * Cuts one manifest range into chunks, registers them on the job (once per range,
 * however often this message is delivered) and queues them.
 */
export async function splitRange(deps: SplitDeps, msg: RangeMessage): Promise<number> {
  const urls = await readRangeUrls(deps.manifests, msg);
  const chunks = [...cutChunks(urls, { jobId: msg.jobId, options: msg.options, idPrefix: rangePrefix(msg.index) }, deps.limits)];
  await deps.jobs.register(
    msg.jobId,
    `split#${msg.index}`,
    { chunks: chunks.length, urls: urls.length, split: true },
    deps.now(),
  );
  await deps.chunkQueue.sendAll(chunks.map((c) => ({ id: c.chunkId, body: JSON.stringify(c) })));
  return chunks.length;
}

/**
 * Handles one split queue message. A failure (after the publisher's own retries)
 * marks the job failed with the reason, so a job is never silently half-queued, and
 * the message is then done with: retrying could not un-fail the job. Only when even
 * that write fails does the error propagate, and SQS delivers the message again.
 */
export async function handleSplitMessage(deps: SplitDeps, msg: SplitMessage): Promise<void> {
  try {
    if (msg.kind === 'plan') await planManifest(deps, msg);
    else await splitRange(deps, msg);
  } catch (error) {
    const what = msg.kind === 'plan' ? 'planning the manifest' : `queuing manifest range ${msg.index}`;
    await deps.jobs.markFailed(msg.jobId, `Failed ${what}: ${error instanceof Error ? error.message : String(error)}`, deps.now());
  }
}
