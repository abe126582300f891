import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { FanoutError } from '../errors';
import type { FetchResult } from '../fetch/result';

/** Codes of {@link RecordsFileError}. */
export const RECORDS_FILE_ERROR_CODES = {
  NOT_JSON: 'NOT_JSON',
  NOT_A_RECORD: 'NOT_A_RECORD',
} as const;

/** A line of a results file that is not a `fanout fetch` record; `line` is 1-based. */
export class RecordsFileError extends FanoutError<(typeof RECORDS_FILE_ERROR_CODES)[keyof typeof RECORDS_FILE_ERROR_CODES]> {
  override readonly name = 'RecordsFileError';
  readonly line: number;

  constructor(code: keyof typeof RECORDS_FILE_ERROR_CODES, line: number, message: string) {
    super(RECORDS_FILE_ERROR_CODES[code], message);
    this.line = line;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields the report reads, checked so a wrong file fails on its first bad line, not deep in a sum. */
function recordProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'not a JSON object';
  if (typeof v['url'] !== 'string') return 'no string `url`';
  if (typeof v['ok'] !== 'boolean') return 'no boolean `ok`';
  if (typeof v['attempts'] !== 'number' || typeof v['bytes'] !== 'number') return 'no numeric `attempts` and `bytes`';
  if (v['status'] !== null && typeof v['status'] !== 'number') return '`status` is neither a number nor null';
  const timings = v['timings'];
  if (!isObject(timings) || typeof timings['total'] !== 'number') return 'no `timings.total`';
  if (timings['ttfb'] !== null && typeof timings['ttfb'] !== 'number') return '`timings.ttfb` is neither a number nor null';
  const error = v['error'];
  if (error !== null && (!isObject(error) || typeof error['code'] !== 'string')) return '`error` is neither null nor {code, message}';
  return undefined;
}

/**
 * Streams the records of a `fanout fetch` output file (JSON lines), one at a time:
 * memory stays flat however long the file is. Blank lines are skipped. A line that is
 * not JSON, or not a result record, throws a {@link RecordsFileError} naming it.
 *
 * @example
 * for await (const record of readRecords(createReadStream('results.jsonl'))) summary.add(record);
 */
export async function* readRecords(input: Readable): AsyncGenerator<FetchResult> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new RecordsFileError('NOT_JSON', n, `line ${n} is not JSON`);
    }
    const problem = recordProblem(value);
    if (problem !== undefined) throw new RecordsFileError('NOT_A_RECORD', n, `line ${n} is not a fanout result record (${problem})`);
    yield value as FetchResult;
  }
}
