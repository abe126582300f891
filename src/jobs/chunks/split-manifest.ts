import { cutChunks, groupByHost, type ChunkLimits } from './chunking';
import { countNewlines, firstLines, MANIFEST_RANGE_BYTES, planRanges, readRangeUrls, type ManifestReader } from './manifest';
import { announceEnd } from '../lifecycle/announce';
import { rangeGroup } from '../ledger/chunk-ref';
import { ManifestError } from '../errors';
import type { JobLedger } from '../ledger/job-ledger';
import { chunkMessageId, type PlanMessage, type RangeMessage, type SplitMessage } from './messages';
import type { EventPublisher, QueuePublisher } from '../ports';
import type { WebhookDelivery } from '../../webhook/webhook';

/** What the splitter needs. */
export interface SplitDeps {
  readonly ledger: JobLedger;
  readonly manifests: ManifestReader;
  readonly chunkQueue: QueuePublisher;
  readonly splitQueue: QueuePublisher;
  readonly events: EventPublisher;
  readonly webhooks?: WebhookDelivery;
  readonly limits: ChunkLimits;
  readonly now: () => number;
  /** Bytes per range; defaults to {@link MANIFEST_RANGE_BYTES}. */
  readonly rangeBytes?: number;
  /** Ranges read at once while planning. */
  readonly planParallel?: number;
}

/**
 * Plans a manifest: reads its ranges in parallel to count newlines (so each range
 * knows its first line number), records the number of splits on the job, and queues
 * one range message per range for parallel splitter invocations.
 */
export async function planManifest(deps: SplitDeps, msg: PlanMessage): Promise<number> {
  const { size, etag } = await deps.manifests.head(msg.bucket, msg.key);
  const ranges = planRanges(size, deps.rangeBytes ?? MANIFEST_RANGE_BYTES);
  const stats = ranges.map(() => ({ newlines: 0, endsWithNewline: false }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ranges.length) {
      const i = next++;
      const r = ranges[i] as { start: number; end: number };
      const buf = await deps.manifests.readRange(msg.bucket, msg.key, r.start, r.end, etag);
      stats[i] = { newlines: countNewlines(buf), endsWithNewline: buf[buf.length - 1] === 0x0a };
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.planParallel ?? 4, ranges.length) }, worker));
  const lines = firstLines(stats);
  // Splits first: the job cannot look done while ranges are still to be registered.
  const ended = await deps.ledger.setSplitsTotal(msg.jobId, ranges.length, deps.now());
  if (ended) await announceEnd(deps, msg.jobId);
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
      etag,
      firstLine: lines[index] as number,
      ...(ranges.length === 1 ? { whole: true } : {}),
    };
    return { id: `range-${index}`, body: JSON.stringify(body) };
  });
  await deps.splitQueue.sendAll(messages);
  return ranges.length;
}

/**
 * Cuts one manifest range into chunks, registers them on the job as one group (once,
 * however often this message is delivered) and queues them. A repeat re-sends the same
 * chunks (same ids, same URLs: the read is pinned to the planned version), which the
 * consumer's claim makes harmless.
 */
export async function splitRange(deps: SplitDeps, msg: RangeMessage): Promise<number> {
  const urls = await readRangeUrls(deps.manifests, msg);
  const group = rangeGroup(msg.index);
  // A range of several may share a host with the others, so its chunks leave `sharedHosts`
  // unknown (every host shared); the only range of a manifest knows its hosts like an inline job.
  const wholeJob = msg.whole === true;
  const chunks = [...cutChunks(groupByHost(urls), { jobId: msg.jobId, options: msg.options, group, wholeJob }, deps.limits)];
  const ended = await deps.ledger.registerGroup(msg.jobId, { group, chunks: chunks.length, urls: urls.length }, deps.now());
  if (ended) await announceEnd(deps, msg.jobId);
  await deps.chunkQueue.sendAll(chunks.map((c) => ({ id: chunkMessageId(c), body: JSON.stringify(c) })));
  return chunks.length;
}

/**
 * Handles one split queue message. A bad manifest (missing, unreadable, changed while
 * split) fails the job with the reason (a job being cancelled ends `cancelled`; see the
 * `fail` column of job-state.ts): retrying cannot help. Any other error is taken
 * as transient and thrown, so SQS delivers the message again; on its last receive the
 * job is failed with the reason instead, so it never waits forever on a message in the
 * DLQ. Only when even that write fails does the message reach the DLQ.
 */
export async function handleSplitMessage(deps: SplitDeps, msg: SplitMessage, delivery: { readonly lastReceive: boolean }): Promise<void> {
  try {
    if (msg.kind === 'plan') await planManifest(deps, msg);
    else await splitRange(deps, msg);
  } catch (error) {
    if (!(error instanceof ManifestError) && !delivery.lastReceive) throw error;
    const what = msg.kind === 'plan' ? 'planning the manifest' : `splitting manifest range ${msg.index}`;
    const why = error instanceof ManifestError ? '' : ' on the last delivery SQS allows';
    await deps.ledger.markFailed(msg.jobId, `Failed ${what}${why}: ${error instanceof Error ? error.message : String(error)}`, deps.now());
    await announceEnd(deps, msg.jobId, delivery.lastReceive);
  }
}
