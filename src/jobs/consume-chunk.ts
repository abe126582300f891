import { createHash } from 'node:crypto';
import type { EngineConfig } from '../config/engine-config';
import { FETCH_ERROR_CODES } from '../errors';
import type { FetchResult } from '../fetch/result';
import type { Engine, UrlInput } from '../fetch/types';
import type { ChunkMessage, JobOptions } from './messages';
import type { JobStore, QueuePublisher, ResultStore } from './ports';

/** What consuming a chunk needs. */
export interface ConsumeDeps {
  /** The process's one engine (shared connection pool). */
  readonly engine: Engine;
  /** The run config for a job's options (see createJobConfigs). */
  readonly configFor: (options: JobOptions) => EngineConfig;
  readonly results: ResultStore;
  readonly jobs: JobStore;
  readonly chunkQueue: QueuePublisher;
  readonly now: () => number;
}

/** What became of a chunk. */
export interface ConsumeOutcome {
  /** False when the chunk had been counted before (a redelivery) and nothing was done. */
  readonly counted: boolean;
  readonly stored: number;
  /** URLs re-queued as a new chunk, with its id. */
  readonly requeued: number;
  readonly childChunkId?: string;
}

/**
 * Generations after which leftovers are stored as final (their DEADLINE/NOT_ATTEMPTED
 * result) instead of re-queued: a safety valve against a URL that can never finish
 * inside one invocation (a timeout longer than the Lambda's), which would loop forever.
 */
export const MAX_GENERATIONS = 10;

const LEFTOVER_CODES: ReadonlySet<string> = new Set([FETCH_ERROR_CODES.NOT_ATTEMPTED, FETCH_ERROR_CODES.DEADLINE]);

/** Child chunk id: the parent's plus a hash of the leftover lines, so a rerun with the same leftovers reuses it. */
export function childChunkId(parentId: string, leftovers: readonly UrlInput[]): string {
  const hash = createHash('sha256');
  for (const u of leftovers) hash.update(`${u.line}\n`);
  return `${parentId}.${hash.digest('hex').slice(0, 8)}`;
}

/**
 * Fetches one chunk with the engine, stores its final results, re-queues the URLs
 * the deadline left (as a new chunk registered on the job before it is sent) and
 * then counts the chunk, exactly once. Any store, register or send failure throws
 * before counting, so the message is redelivered and the whole chunk redone: its
 * results object is overwritten, never duplicated.
 *
 * Two narrow windows remain, each needing a failure at one exact point, and each only
 * if the rerun leaves different leftovers (whose child then gets another id):
 * - a crash after sending the child but before counting: the URLs in both children
 *   are fetched, and stored, twice; none is lost;
 * - the child registered but its send failing after every retry: the first child's
 *   registration is never matched by a message, so the job stays `running`.
 */
export async function consumeChunk(deps: ConsumeDeps, msg: ChunkMessage, deadline: number): Promise<ConsumeOutcome> {
  if (await deps.jobs.isChunkCounted(msg.jobId, msg.chunkId)) return { counted: false, stored: 0, requeued: 0 };
  const finalResults: FetchResult[] = [];
  const leftovers: UrlInput[] = [];
  const inputByLine = new Map(msg.urls.map((u) => [u.line, u]));
  const storeBodies = msg.options['storeBodies'] === true;
  const lastGeneration = msg.generation + 1 >= MAX_GENERATIONS;
  let bodyError: unknown;
  await deps.engine.run(msg.urls, {
    config: deps.configFor(msg.options),
    deadline,
    onResult: async (result, body) => {
      const code = result.error?.code;
      if (code !== undefined && LEFTOVER_CODES.has(code) && !lastGeneration) {
        leftovers.push(inputByLine.get(result.line) ?? { url: result.url, line: result.line });
        return;
      }
      finalResults.push(result);
      if (storeBodies && body !== undefined && result.sha256 !== null && bodyError === undefined) {
        // Awaited so a slow store holds back the engine instead of buffering bodies.
        await deps.results.putBody(result.sha256, body).catch((error: unknown) => {
          bodyError = error;
        });
      }
    },
  });
  if (bodyError !== undefined) throw bodyError;
  finalResults.sort((a, b) => a.line - b.line);
  // Written even when empty: it must replace what an earlier, interrupted delivery stored.
  await deps.results.putChunkResults(msg.jobId, msg.chunkId, finalResults);
  let childId: string | undefined;
  if (leftovers.length > 0) {
    leftovers.sort((a, b) => a.line - b.line);
    childId = childChunkId(msg.chunkId, leftovers);
    const child: ChunkMessage = { ...msg, chunkId: childId, generation: msg.generation + 1, urls: leftovers };
    await deps.jobs.register(msg.jobId, `chunk#${childId}`, { chunks: 1, urls: 0, split: false }, deps.now());
    await deps.chunkQueue.sendAll([{ id: childId, body: JSON.stringify(child) }]);
  }
  const succeeded = finalResults.filter((r) => r.ok).length;
  const counted = await deps.jobs.countChunk(
    msg.jobId,
    msg.chunkId,
    { succeeded, failed: finalResults.length - succeeded },
    deps.now(),
  );
  return {
    counted,
    stored: finalResults.length,
    requeued: leftovers.length,
    ...(childId === undefined ? {} : { childChunkId: childId }),
  };
}
