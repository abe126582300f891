import type { FetchResult } from '../../fetch/result';
import { BadCursorError } from '../errors';
import type { ClaimPosition, JobLedger } from '../ledger/job-ledger';
import type { JobState, ResultStore } from '../ports';

/** One page of a job's results. */
export interface ResultPage {
  readonly items: readonly FetchResult[];
  /** Opaque; pass back for the next page. Null when nothing more is stored (yet). */
  readonly nextCursor: string | null;
  /** True once the job is done: a walk that started then has every result. */
  readonly complete: boolean;
  readonly state: JobState;
}

/** How much one page may hold. */
export interface PageLimits {
  readonly items: number;
  /** Bytes of records at most (Lambda answers at most 6 MB); a page always holds at least one record. */
  readonly bytes: number;
}

/** Claims read per ledger query. */
const CLAIMS_PER_READ = 50;

/** Position in a job's results: chunk `c` (a claimed chunk), from record `o` on. */
interface Cursor {
  readonly c: string;
  readonly o: number;
}

const CHUNK_ID = /^[a-z0-9]{1,16}-\d{6}(~\d{1,3})?$/;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursorError('The cursor is not one this API issued');
  }
  const c = value as Partial<Cursor> | null;
  if (typeof c?.c !== 'string' || !CHUNK_ID.test(c.c) || typeof c.o !== 'number' || !Number.isInteger(c.o) || c.o < 0) {
    throw new BadCursorError('The cursor is not one this API issued');
  }
  return { c: c.c, o: c.o };
}

/**
 * Reads a page of a job's results by walking its claims in chunk-id order (the ledger
 * is the index: an object no claim points at, a losing delivery's, is never read). A
 * claimed object never changes, so a cursor stays valid; a walk made while the job
 * runs can miss chunks claimed later behind it, which `complete: false` says.
 * Undefined when there is no such job.
 *
 * @example
 * const page = await readResults(ledger, results, jobId, cursor, { items: 1000, bytes: 4 << 20 });
 */
export async function readResults(
  ledger: JobLedger,
  results: ResultStore,
  jobId: string,
  cursor: string | undefined,
  limits: PageLimits,
): Promise<ResultPage | undefined> {
  // Read before the walk: `complete` then promises that the walk saw every claim.
  const completion = await ledger.completion(jobId);
  if (completion === undefined) return undefined;
  const done = { complete: completion.complete, state: completion.state };
  const start = cursor === undefined ? undefined : decodeCursor(cursor);
  const items: FetchResult[] = [];
  let bytes = 0;
  let position: ClaimPosition = start === undefined ? {} : { from: start.c };
  for (;;) {
    const claims = await ledger.listClaims(jobId, position, CLAIMS_PER_READ);
    for (const claim of claims) {
      const lines = await results.readLines(claim.objectKey);
      for (let i = claim.chunkId === start?.c ? start.o : 0; i < lines.length; i += 1) {
        const line = lines[i] as string;
        if (items.length >= limits.items || (items.length > 0 && bytes + line.length > limits.bytes)) {
          return { items, nextCursor: encodeCursor({ c: claim.chunkId, o: i }), ...done };
        }
        items.push(JSON.parse(line) as FetchResult);
        bytes += line.length + 1;
      }
    }
    const last = claims[claims.length - 1];
    if (claims.length < CLAIMS_PER_READ || last === undefined) return { items, nextCursor: null, ...done };
    position = { after: last.chunkId };
  }
}
