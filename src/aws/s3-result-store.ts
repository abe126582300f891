import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FetchResult } from '../fetch/result';
import { BadCursorError } from '../jobs/errors';
import type { ResultPage, ResultStore } from '../jobs/ports';

/** Where a chunk's results live: deterministic, so a redelivered chunk overwrites its own object. */
export function resultKey(jobId: string, chunkId: string): string {
  return `${resultPrefix(jobId)}${chunkId}.jsonl`;
}

/** Where a body lives: content-addressed. */
export function bodyKey(sha256: string): string {
  return `bodies/${sha256}`;
}

function resultPrefix(jobId: string): string {
  return `results/${jobId}/`;
}

/**
 * Objects read at most per page, so a page stays fast (API Gateway allows 30 s) even
 * when many chunk objects are empty (all their URLs re-queued).
 */
const MAX_OBJECTS_PER_PAGE = 100;

/** Position in a job's results: the object `k`, from line `o` on. */
interface Cursor {
  readonly k: string;
  readonly o: number;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(jobId: string, raw: string): Cursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursorError('The cursor is not one this API issued');
  }
  const c = value as Partial<Cursor> | null;
  if (
    typeof c?.k !== 'string' ||
    !c.k.startsWith(resultPrefix(jobId)) ||
    typeof c.o !== 'number' ||
    !Number.isInteger(c.o) ||
    c.o < 0
  ) {
    throw new BadCursorError('The cursor is not one this API issued for this job');
  }
  return { k: c.k, o: c.o };
}

/**
 * Results in S3: `results/{jobId}/{chunkId}.jsonl`, one JSON line per URL, and bodies
 * at `bodies/{sha256}`. Pages walk the chunk objects in key order; a cursor is the
 * next object key and a line offset in it, so a page never re-lists from the start.
 */
export class S3ResultStore implements ResultStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly maxObjectsPerPage = MAX_OBJECTS_PER_PAGE,
  ) {}

  async putChunkResults(jobId: string, chunkId: string, results: readonly FetchResult[]): Promise<void> {
    const body = Buffer.from(results.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: resultKey(jobId, chunkId),
        Body: body,
        // Explicit, or the SDK takes an empty body for a stream of unknown length.
        ContentLength: body.length,
        ContentType: 'application/x-ndjson',
      }),
    );
  }

  async putBody(sha256: string, body: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: bodyKey(sha256), Body: body, ContentLength: body.length }),
    );
  }

  async readResults(jobId: string, cursor: string | undefined, limit: number): Promise<ResultPage> {
    const items: FetchResult[] = [];
    let after: string | undefined;
    let objects = 0;
    if (cursor !== undefined) {
      const start = decodeCursor(jobId, cursor);
      const stop = await this.take(start.k, start.o, limit, items);
      if (stop !== null) return { items, nextCursor: stop.cursor };
      after = start.k;
      objects += 1;
    }
    let token: string | undefined;
    do {
      const listed = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: resultPrefix(jobId),
          ...(token === undefined && after !== undefined ? { StartAfter: after } : {}),
          ...(token === undefined ? {} : { ContinuationToken: token }),
          MaxKeys: 100,
        }),
      );
      for (const object of listed.Contents ?? []) {
        if (object.Key === undefined) continue;
        if (objects >= this.maxObjectsPerPage) return { items, nextCursor: encodeCursor({ k: object.Key, o: 0 }) };
        const stop = await this.take(object.Key, 0, limit, items);
        objects += 1;
        if (stop !== null) return { items, nextCursor: stop.cursor };
      }
      token = listed.IsTruncated === true ? listed.NextContinuationToken : undefined;
    } while (token !== undefined);
    return { items, nextCursor: null };
  }

  /** Appends lines of `key` from `offset` until `items` holds `limit`; returns the cursor when it stopped early. */
  private async take(key: string, offset: number, limit: number, items: FetchResult[]): Promise<{ cursor: string } | null> {
    if (items.length >= limit) return { cursor: encodeCursor({ k: key, o: offset }) };
    const lines = await this.readLines(key);
    const room = limit - items.length;
    const slice = lines.slice(offset, offset + room);
    for (const line of slice) items.push(JSON.parse(line) as FetchResult);
    const reached = offset + slice.length;
    return reached < lines.length ? { cursor: encodeCursor({ k: key, o: reached }) } : null;
  }

  private async readLines(key: string): Promise<string[]> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    return text.split('\n').filter((line) => line !== '');
  }
}
