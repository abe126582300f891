import type { PreviousBody } from '../../monitoring/change';
import type { UrlInput } from '../../fetch/types';
import { chunkIdOf, type ChunkRef } from '../ledger/chunk-ref';
import { BadMessageError } from '../errors';

/** Engine options a job carries (validated by the API: only the allowed keys). */
export type JobOptions = Readonly<Record<string, unknown>>;

/**
 * A chunk of a job's URLs: the body of one message on the chunk queue. Its place in
 * the job ({@link ChunkRef}: group, root index, generation) names it; see chunkIdOf.
 */
export interface ChunkMessage extends ChunkRef {
  readonly kind: 'chunk';
  readonly jobId: string;
  readonly options: JobOptions;
  readonly urls: readonly ChunkUrl[];
  /**
   * Host keys (`new URL(u).host`) of this chunk whose URLs other chunks of the job have
   * too: only these need job-wide coordination. Absent means unknown, so every host of
   * the chunk may be shared (a manifest job: a host may appear in several ranges). A
   * re-queued child inherits its parent's list, which still holds for its URLs. See
   * src/jobs/chunks/chunking.ts.
   */
  readonly sharedHosts?: readonly string[];
  /** A monitoring job (a schedule's run after its first): records say what changed. */
  readonly monitor?: boolean;
}

/** One URL of a chunk; in a monitoring job, with the body its previous run stored. */
export interface ChunkUrl extends UrlInput {
  readonly previous?: PreviousBody;
  /** Times an attempt at this URL was cut by a consumer's deadline so far (see MAX_CUTS). */
  readonly cuts?: number;
}

/** The chunk's id, e.g. `r00005-000123~1`. */
export function chunkMessageId(msg: ChunkMessage): string {
  return chunkIdOf(msg);
}

/** Plan a manifest: find its byte ranges and the first line number of each. */
export interface PlanMessage {
  readonly kind: 'plan';
  readonly jobId: string;
  readonly bucket: string;
  readonly key: string;
  readonly options: JobOptions;
}

/** Cut one byte range of a manifest into chunks: lines that start in [start, end). */
export interface RangeMessage {
  readonly kind: 'range';
  readonly jobId: string;
  readonly bucket: string;
  readonly key: string;
  readonly options: JobOptions;
  readonly index: number;
  readonly start: number;
  readonly end: number;
  /** Size of the whole object: a line that starts before `end` is read on up to here. */
  readonly size: number;
  /** The object version the plan saw: every range read is pinned to it (If-Match). */
  readonly etag: string;
  /** 1-based line number of the first line that starts at or after `start`. */
  readonly firstLine: number;
  /** True when this range is the whole manifest: its chunks can say which hosts they share. */
  readonly whole?: boolean;
}

/** What the split queue carries. */
export type SplitMessage = PlanMessage | RangeMessage;

function parseObject(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new BadMessageError('Message body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadMessageError('Message body is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new BadMessageError(`Message field \`${key}\` is not a string`);
  return v;
}

function int(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new BadMessageError(`Message field \`${key}\` is not a non-negative integer`);
  }
  return v;
}

function options(o: Record<string, unknown>): JobOptions {
  const v = o['options'] ?? {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new BadMessageError('Message field `options` is not an object');
  }
  return v as JobOptions;
}

function sharedHosts(o: Record<string, unknown>): { sharedHosts?: readonly string[] } {
  const v = o['sharedHosts'];
  if (v === undefined) return {};
  if (!Array.isArray(v) || !v.every((h) => typeof h === 'string' && h !== '')) {
    throw new BadMessageError('Message field `sharedHosts` is not a list of host names');
  }
  return { sharedHosts: v as string[] };
}

function previousBody(value: unknown, i: number): PreviousBody | undefined {
  if (value === undefined) return undefined;
  const p = value as Partial<PreviousBody> | null;
  if (
    typeof p?.sha256 !== 'string' ||
    typeof p.bytes !== 'number' ||
    typeof p.direct !== 'boolean' ||
    typeof p.headers !== 'object' ||
    p.headers === null
  ) {
    throw new BadMessageError(`Message field \`urls[${i}].previous\` is not {sha256, bytes, headers, direct}`);
  }
  return { sha256: p.sha256, bytes: p.bytes, headers: p.headers, direct: p.direct };
}

/** Parses a chunk queue message; throws {@link BadMessageError} when it is not one. */
export function parseChunkMessage(body: string): ChunkMessage {
  const o = parseObject(body);
  if (o['kind'] !== 'chunk') throw new BadMessageError('Message is not a chunk');
  const urls = o['urls'];
  if (!Array.isArray(urls)) throw new BadMessageError('Message field `urls` is not an array');
  const inputs = urls.map((u: unknown, i): ChunkUrl => {
    const item = u as { url?: unknown; line?: unknown; previous?: unknown; cuts?: unknown } | null;
    if (typeof item?.url !== 'string' || typeof item.line !== 'number' || !Number.isInteger(item.line)) {
      throw new BadMessageError(`Message field \`urls[${i}]\` is not {url, line}`);
    }
    const cuts = item.cuts;
    if (cuts !== undefined && (typeof cuts !== 'number' || !Number.isInteger(cuts) || cuts < 0)) {
      throw new BadMessageError(`Message field \`urls[${i}].cuts\` is not a non-negative integer`);
    }
    const previous = previousBody(item.previous, i);
    return {
      url: item.url,
      line: item.line,
      ...(previous === undefined ? {} : { previous }),
      ...(cuts === undefined || cuts === 0 ? {} : { cuts }),
    };
  });
  const group = str(o, 'group');
  if (!/^[a-z0-9]{1,16}$/.test(group)) throw new BadMessageError('Message field `group` is not a group id');
  return {
    kind: 'chunk',
    jobId: str(o, 'jobId'),
    group,
    index: int(o, 'index'),
    generation: int(o, 'generation'),
    options: options(o),
    urls: inputs,
    ...sharedHosts(o),
    ...(o['monitor'] === true ? { monitor: true } : {}),
  };
}

/** Parses a split queue message; throws {@link BadMessageError} when it is not one. */
export function parseSplitMessage(body: string): SplitMessage {
  const o = parseObject(body);
  const base = { jobId: str(o, 'jobId'), bucket: str(o, 'bucket'), key: str(o, 'key'), options: options(o) };
  if (o['kind'] === 'plan') return { kind: 'plan', ...base };
  if (o['kind'] === 'range') {
    return {
      kind: 'range',
      ...base,
      index: int(o, 'index'),
      start: int(o, 'start'),
      end: int(o, 'end'),
      size: int(o, 'size'),
      etag: str(o, 'etag'),
      firstLine: int(o, 'firstLine'),
      ...(o['whole'] === true ? { whole: true } : {}),
    };
  }
  throw new BadMessageError('Message is neither a plan nor a range');
}
