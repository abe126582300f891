import type { FetchErrorCode } from '../../../src/errors';
import type { FetchResult } from '../../../src/fetch/result';
import type { Engine, RunOptions, RunSummary, UrlInput } from '../../../src/fetch/types';
import { BadCursorError, ManifestError } from '../../../src/jobs/errors';
import { jobStatus } from '../../../src/jobs/job-status';
import type { ManifestReader } from '../../../src/jobs/manifest';
import {
  JOB_STATES,
  type ChunkCounts,
  type JobState,
  type JobStatus,
  type JobStore,
  type NewJob,
  type QueueMessage,
  type QueuePublisher,
  type Registration,
  type ResultPage,
  type ResultStore,
} from '../../../src/jobs/ports';

/** A result record for `input`; `code` makes it a failure with that error code. */
export function fakeResult(input: UrlInput, code?: FetchErrorCode): FetchResult {
  return {
    url: input.url,
    line: input.line,
    ok: code === undefined,
    status: code === undefined ? 200 : null,
    finalUrl: code === undefined ? input.url : null,
    headers: {},
    bytes: 0,
    sha256: code === undefined ? `sha-${input.line}` : null,
    attempts: code === undefined ? 1 : 0,
    timings: { dns: null, connect: null, ttfb: null, total: 0 },
    error: code === undefined ? null : { code, message: code },
  };
}

/**
 * An in-memory Engine: `outcome(input, index)` decides each URL's error code (undefined
 * = success). Records every run's inputs and deadline.
 */
export class FakeEngine implements Engine {
  readonly runs: { urls: UrlInput[]; deadline: number | undefined; config: RunOptions['config'] }[] = [];

  constructor(private readonly outcome: (input: UrlInput, index: number) => FetchErrorCode | undefined = () => undefined) {}

  async run(urls: AsyncIterable<UrlInput> | Iterable<UrlInput>, options: RunOptions): Promise<RunSummary> {
    const list: UrlInput[] = [];
    for await (const u of urls) list.push(u);
    this.runs.push({ urls: list, deadline: options.deadline, config: options.config });
    let ok = 0;
    for (const [i, u] of list.entries()) {
      const code = this.outcome(u, i);
      if (code === undefined) ok += 1;
      await options.onResult(fakeResult(u, code), code === undefined ? Buffer.from(`body ${u.line}`) : undefined);
    }
    return { total: list.length, ok, failed: list.length - ok, notAttempted: 0, errors: {}, elapsedMs: 0 };
  }

  async close(): Promise<void> {}
}

/** Records sent messages; `failNext` makes the next `sendAll` throw. */
export class MemoryQueue implements QueuePublisher {
  readonly sent: QueueMessage[] = [];
  failNext: Error | undefined;
  /** Called before each send, to observe ordering. */
  onSend: (() => void) | undefined;

  async sendAll(messages: readonly QueueMessage[]): Promise<void> {
    this.onSend?.();
    if (this.failNext !== undefined) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.sent.push(...messages);
  }

  bodies<T>(): T[] {
    return this.sent.map((m) => JSON.parse(m.body) as T);
  }
}

/** Results per chunk key and bodies per sha; `failNextPut` makes one chunk write throw. */
export class MemoryResults implements ResultStore {
  readonly chunks = new Map<string, FetchResult[]>();
  readonly bodies = new Map<string, Buffer>();
  puts = 0;
  failNextPut: Error | undefined;

  async putChunkResults(jobId: string, chunkId: string, results: readonly FetchResult[]): Promise<void> {
    this.puts += 1;
    if (this.failNextPut !== undefined) {
      const error = this.failNextPut;
      this.failNextPut = undefined;
      throw error;
    }
    this.chunks.set(`${jobId}/${chunkId}`, [...results]);
  }

  async putBody(sha256: string, body: Buffer): Promise<void> {
    this.bodies.set(sha256, body);
  }

  async readResults(jobId: string, cursor: string | undefined, limit: number): Promise<ResultPage> {
    const all = [...this.chunks.entries()]
      .filter(([key]) => key.startsWith(`${jobId}/`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .flatMap(([, results]) => results);
    const start = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(start)) throw new BadCursorError('bad cursor');
    const end = start + limit;
    return { items: all.slice(start, end), nextCursor: end < all.length ? String(end) : null };
  }
}

interface MemoryJob {
  state: JobState;
  splitsTotal: number | undefined;
  reason: string | undefined;
  createdAt: number;
  updatedAt: number;
  urls: number;
  chunksTotal: number;
  chunksDone: number;
  splitsDone: number;
  succeeded: number;
  failed: number;
  counted: Set<string>;
  registered: Set<string>;
}

/** JobStore semantics of the DynamoDB store, in memory. */
export class MemoryJobs implements JobStore {
  readonly jobs = new Map<string, MemoryJob>();
  readonly log: string[] = [];

  async createJob(job: NewJob): Promise<boolean> {
    if (this.jobs.has(job.jobId)) return false;
    this.jobs.set(job.jobId, {
      state: JOB_STATES.QUEUED,
      splitsTotal: job.splitsTotal,
      reason: undefined,
      createdAt: job.now,
      updatedAt: job.now,
      urls: 0,
      chunksTotal: 0,
      chunksDone: 0,
      splitsDone: 0,
      succeeded: 0,
      failed: 0,
      counted: new Set(),
      registered: new Set(),
    });
    return true;
  }

  async getJob(jobId: string): Promise<JobStatus | undefined> {
    const j = this.jobs.get(jobId);
    return j === undefined ? undefined : jobStatus(jobId, j);
  }

  async setSplitsTotal(jobId: string, splits: number): Promise<void> {
    this.must(jobId).splitsTotal = splits;
    this.complete(jobId);
  }

  async register(jobId: string, registrationId: string, reg: Registration, now: number): Promise<boolean> {
    const j = this.must(jobId);
    this.log.push(`register ${registrationId}`);
    if (j.registered.has(registrationId)) return false;
    j.registered.add(registrationId);
    j.chunksTotal += reg.chunks;
    j.urls += reg.urls;
    j.splitsDone += reg.split ? 1 : 0;
    j.updatedAt = now;
    this.complete(jobId);
    return true;
  }

  async isChunkCounted(jobId: string, chunkId: string): Promise<boolean> {
    return this.jobs.get(jobId)?.counted.has(chunkId) ?? false;
  }

  async countChunk(jobId: string, chunkId: string, counts: ChunkCounts, now: number): Promise<boolean> {
    const j = this.must(jobId);
    this.log.push(`count ${chunkId}`);
    if (j.counted.has(chunkId)) return false;
    j.counted.add(chunkId);
    j.chunksDone += 1;
    j.succeeded += counts.succeeded;
    j.failed += counts.failed;
    j.updatedAt = now;
    this.complete(jobId);
    return true;
  }

  async markFailed(jobId: string, reason: string, now: number): Promise<void> {
    const j = this.must(jobId);
    if (j.state !== JOB_STATES.QUEUED) return;
    j.state = JOB_STATES.FAILED;
    j.reason = reason;
    j.updatedAt = now;
  }

  private complete(jobId: string): void {
    const j = this.must(jobId);
    if (j.state === JOB_STATES.QUEUED && j.splitsTotal !== undefined && j.splitsDone >= j.splitsTotal && j.chunksDone >= j.chunksTotal) {
      j.state = JOB_STATES.DONE;
    }
  }

  private must(jobId: string): MemoryJob {
    const j = this.jobs.get(jobId);
    if (j === undefined) throw new Error(`no job ${jobId}`);
    return j;
  }
}

/** A manifest held in memory, read by range like S3. */
export class MemoryManifests implements ManifestReader {
  readonly objects = new Map<string, Buffer>();
  reads = 0;

  put(bucket: string, key: string, text: string): void {
    this.objects.set(`${bucket}/${key}`, Buffer.from(text));
  }

  async size(bucket: string, key: string): Promise<number> {
    const obj = this.objects.get(`${bucket}/${key}`);
    if (obj === undefined) throw new ManifestError(`Manifest s3://${bucket}/${key} not found or not readable`);
    return obj.length;
  }

  async readRange(bucket: string, key: string, start: number, end: number): Promise<Buffer> {
    this.reads += 1;
    const obj = this.objects.get(`${bucket}/${key}`);
    if (obj === undefined) throw new ManifestError('missing');
    return obj.subarray(start, Math.min(end, obj.length));
  }
}

/** The in-memory stores and queues that submitting and splitting jobs use, at a fixed clock. */
export function memoryJobDeps(limits: { urls: number; bytes: number }, now: number) {
  return {
    jobs: new MemoryJobs(),
    chunkQueue: new MemoryQueue(),
    splitQueue: new MemoryQueue(),
    manifests: new MemoryManifests(),
    limits,
    now: () => now,
  };
}
