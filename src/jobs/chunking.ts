import type { UrlInput } from '../fetch/types';
import type { ChunkMessage, ChunkUrl, JobOptions } from './messages';

/** How big one chunk message may get. */
export interface ChunkLimits {
  /** URLs per chunk at most. */
  readonly urls: number;
  /** Bytes of the serialized message body at most (a lone oversized URL still gets its own chunk). */
  readonly bytes: number;
}

/**
 * Longest URL text carried in a message. Longer entries are cut here so that one
 * absurd entry cannot push a message past SQS's 1 MiB; the engine then reports the
 * (still over-long) URL as BAD_URL, so the entry keeps its result.
 */
export const MAX_URL_CHARS = 16_384;

/** Bytes a URL entry adds to the JSON body: `{"url":...,"line":N}` plus a comma. */
function entryBytes(input: ChunkUrl): number {
  return Buffer.byteLength(JSON.stringify(input)) + 1;
}

/** Truncates entries longer than {@link MAX_URL_CHARS}; see there for why. */
export function capUrl<T extends UrlInput>(input: T): T | UrlInput {
  return input.url.length > MAX_URL_CHARS ? { url: input.url.slice(0, MAX_URL_CHARS), line: input.line } : input;
}

/**
 * Cuts URLs into chunk messages of at most `limits.urls` URLs and about
 * `limits.bytes` bytes each (the envelope is counted). Lazy, so a manifest range
 * is never held twice in memory.
 *
 * @example
 * for (const chunk of cutChunks(urls, { jobId, options, group: 'c' }, { urls: 100, bytes: 60_000 })) ...
 */
export function* cutChunks(
  urls: Iterable<ChunkUrl>,
  job: { readonly jobId: string; readonly options: JobOptions; readonly group: string; readonly monitor?: boolean },
  limits: ChunkLimits,
): Generator<ChunkMessage> {
  const envelope = (index: number): number => Buffer.byteLength(JSON.stringify(chunkMessage(job, index, [])));
  let index = 0;
  let current: ChunkUrl[] = [];
  let bytes = envelope(index);
  for (const raw of urls) {
    const input = capUrl(raw);
    const size = entryBytes(input);
    if (current.length > 0 && (current.length >= limits.urls || bytes + size > limits.bytes)) {
      yield chunkMessage(job, index, current);
      index += 1;
      current = [];
      bytes = envelope(index);
    }
    current.push(input);
    bytes += size;
  }
  if (current.length > 0) yield chunkMessage(job, index, current);
}

function chunkMessage(
  job: { readonly jobId: string; readonly options: JobOptions; readonly group: string; readonly monitor?: boolean },
  index: number,
  urls: readonly ChunkUrl[],
): ChunkMessage {
  // A re-queued child carries the same envelope plus a few digits of generation: within the margin.
  return { kind: 'chunk', jobId: job.jobId, group: job.group, index, generation: 0, options: job.options, urls, ...(job.monitor === true ? { monitor: true } : {}) };
}
