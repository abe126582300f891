import { resolveEngineConfig } from '../../../src/config/engine-config';
import type { FetchErrorCode } from '../../../src/errors';
import type { FetchResult } from '../../../src/fetch/result';
import type { Engine, RunOptions, RunSummary, UrlInput } from '../../../src/fetch/types';
import { ManifestError } from '../../../src/jobs/errors';
import { JobLedger } from '../../../src/jobs/ledger/job-ledger';
import type { JobLimits } from '../../../src/jobs/job-options';
import type { ManifestHead, ManifestReader } from '../../../src/jobs/chunks/manifest';
import type { EventPublisher, JobEndedEvent, QueueMessage, QueuePublisher, ResultStore } from '../../../src/jobs/ports';
import { MemoryLedgerStore } from './ledger/memory-ledger-store';
import { jsonLine } from '../../../src/io/json-line';

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
    timings: { dns: null, connect: null, ttfb: null, total: 0, queued: 0 },
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
    return {
      total: list.length,
      ok,
      failed: list.length - ok,
      notAttempted: 0,
      errors: {},
      elapsedMs: 0,
      hosts: { throttled: 0, pausedMs: 0, unavailable: 0, gaveUp: 0 },
    };
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

/** Records published job events; `failNext` makes the next publish throw. */
export class MemoryEvents implements EventPublisher {
  readonly published: JobEndedEvent[] = [];
  failNext: Error | undefined;

  async publishJobEnded(event: JobEndedEvent): Promise<void> {
    if (this.failNext !== undefined) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.published.push(event);
  }
}

/** Results objects per key and bodies per sha; `failNextPut` makes one results write throw. */
export class MemoryResults implements ResultStore {
  readonly objects = new Map<string, string[]>();
  readonly bodies = new Map<string, Buffer>();
  puts = 0;
  failNextPut: Error | undefined;

  async putDeliveryResults(jobId: string, chunkId: string, deliveryId: string, results: readonly FetchResult[]): Promise<string> {
    this.puts += 1;
    if (this.failNextPut !== undefined) {
      const error = this.failNextPut;
      this.failNextPut = undefined;
      throw error;
    }
    const key = `results/${jobId}/${chunkId}/${deliveryId}.jsonl`;
    if (this.objects.has(key)) throw new Error(`${key} written twice`);
    // Lines as the S3 store writes them (src/io/json-line.ts), without their newline.
    this.objects.set(
      key,
      results.map((r) => jsonLine(r).slice(0, -1)),
    );
    return key;
  }

  async deleteObject(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async readLines(key: string): Promise<string[]> {
    const lines = this.objects.get(key);
    if (lines === undefined) throw new Error(`no object ${key}`);
    return [...lines];
  }

  async putBody(sha256: string, body: Buffer): Promise<void> {
    this.bodies.set(sha256, body);
  }

  /** The records of every object under a chunk (claimed or not). */
  recordsOf(jobId: string, chunkId: string): FetchResult[][] {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(`results/${jobId}/${chunkId}/`))
      .map(([, lines]) => lines.map((line) => JSON.parse(line) as FetchResult));
  }
}

/** A manifest held in memory, read by range like S3; `put` again to change it (new ETag). */
export class MemoryManifests implements ManifestReader {
  readonly objects = new Map<string, { body: Buffer; etag: string }>();
  reads = 0;
  #versions = 0;

  put(bucket: string, key: string, text: string): void {
    this.#versions += 1;
    this.objects.set(`${bucket}/${key}`, { body: Buffer.from(text), etag: `"v${this.#versions}"` });
  }

  async head(bucket: string, key: string): Promise<ManifestHead> {
    const obj = this.objects.get(`${bucket}/${key}`);
    if (obj === undefined) throw new ManifestError(`Manifest s3://${bucket}/${key} not found or not readable`);
    return { size: obj.body.length, etag: obj.etag };
  }

  async readRange(bucket: string, key: string, start: number, end: number, etag: string): Promise<Buffer> {
    this.reads += 1;
    const obj = this.objects.get(`${bucket}/${key}`);
    if (obj === undefined) throw new ManifestError('missing');
    if (obj.etag !== etag) throw new ManifestError(`Manifest s3://${bucket}/${key} changed while it was being split`);
    return obj.body.subarray(start, Math.min(end, obj.body.length));
  }
}

/** The bounds a deployment with the engine defaults allows, manifests in bucket `bucket`. */
export const TEST_JOB_LIMITS: JobLimits = {
  engine: resolveEngineConfig({}),
  manifestBucket: 'bucket',
  bodyMemoryBytes: 256 * 1024 * 1024,
  webhooks: true,
};

/** The in-memory ledger, stores and queues that submitting and splitting jobs use, at a fixed clock. */
export function memoryJobDeps(limits: { urls: number; bytes: number }, now: number) {
  const store = new MemoryLedgerStore();
  return {
    store,
    ledger: new JobLedger(store),
    chunkQueue: new MemoryQueue(),
    splitQueue: new MemoryQueue(),
    events: new MemoryEvents(),
    manifests: new MemoryManifests(),
    results: new MemoryResults(),
    limits,
    jobLimits: TEST_JOB_LIMITS,
    now: () => now,
  };
}
