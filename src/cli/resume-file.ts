import { createReadStream } from 'node:fs';
import { open, rename, truncate, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { FETCH_ERROR_CODES, UsageError } from '../errors';

/**
 * `fanout fetch --resume`: what an earlier run's `--out` file already holds, and how
 * to turn it into the start of this run's file.
 *
 * | record in the old file            | on resume                                       |
 * | --------------------------------- | ----------------------------------------------- |
 * | ok, or failed with an answer      | kept byte for byte; its line is not fetched     |
 * | NOT_ATTEMPTED or DEADLINE         | removed from the file; its line is fetched      |
 * | a last line without its newline   | cut off (a run killed mid-write); line fetched  |
 * | a line or URL the input lacks     | refused (exit 2), the file untouched            |
 *
 * Why remove rather than append after: a stopped run (Ctrl-C) writes NOT_ATTEMPTED for
 * every URL it did not start and DEADLINE for those it cut, and a user resuming wants
 * those fetched. Appending their new records would leave two records for one line, so
 * the file is first rewritten without them (to a temporary file renamed over it, so a
 * crash leaves either the old file or the new one, never half of each) and then only
 * appended to. At every moment it therefore holds at most one record per line, and a
 * resume of a resume works the same way.
 */

/** Codes a stopped run writes for URLs it never answered: fetched again on resume. */
export const REFETCHED_CODES: ReadonlySet<string> = new Set([FETCH_ERROR_CODES.NOT_ATTEMPTED, FETCH_ERROR_CODES.DEADLINE]);

/** What an earlier run's results file holds, by input line. */
export interface ResumeState {
  readonly path: string;
  /** The URL of every record's line, kept or not (checked against the input). */
  readonly urls: ReadonlyMap<number, string>;
  /** Lines whose record is kept: those are not fetched again. */
  readonly done: ReadonlySet<number>;
  /** Bytes up to and including the last newline; what follows is a record cut mid-write. */
  readonly completeBytes: number;
  /** The file's size when read. */
  readonly size: number;
}

/**
 * Reads the results file of an earlier run. A missing file is an empty state (so
 * `--resume` also starts a run afresh); a line that is not a record is a
 * {@link UsageError}, since the file is not one this command wrote.
 */
export async function readResumeFile(path: string): Promise<ResumeState> {
  const urls = new Map<number, string>();
  const done = new Set<number>();
  const empty: ResumeState = { path, urls, done, completeBytes: 0, size: 0 };
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new UsageError(`cannot resume from ${path}: ${err.code ?? String(err)}`);
  });
  if (handle === null) return empty;
  let size: number;
  let completeBytes: number;
  try {
    size = (await handle.stat()).size;
    completeBytes = await endOfLastLine(handle, size);
  } finally {
    await handle.close();
  }
  if (completeBytes === 0) return { ...empty, size };
  let n = 0;
  for await (const text of createInterface({ input: createReadStream(path, { end: completeBytes - 1 }), crlfDelay: Infinity })) {
    n++;
    if (text === '') continue;
    const record = parseRecord(text);
    if (record === null) throw new UsageError(`cannot resume from ${path}: line ${n} is not a fanout fetch record`);
    if (urls.has(record.line)) throw new UsageError(`cannot resume from ${path}: two records for input line ${record.line}`);
    urls.set(record.line, record.url);
    if (!REFETCHED_CODES.has(record.code ?? '')) done.add(record.line);
  }
  return { path, urls, done, completeBytes, size };
}

/**
 * Makes the file hold only the kept records, ready to be appended to: rewritten
 * when records are to be fetched again, cut back to its last newline when only a
 * partial last line is to go, left alone otherwise.
 */
export async function prepareResumeFile(state: ResumeState): Promise<void> {
  if (state.done.size < state.urls.size) await rewriteKept(state);
  else if (state.completeBytes < state.size) await truncate(state.path, state.completeBytes);
}

/** Writes the kept records to a temporary file beside the old one, then renames it over it. */
async function rewriteKept(state: ResumeState): Promise<void> {
  const temporary = `${state.path}.resume-${process.pid}`;
  const out = await open(temporary, 'w');
  try {
    let batch = '';
    const lines = createInterface({ input: createReadStream(state.path, { end: state.completeBytes - 1 }), crlfDelay: Infinity });
    for await (const text of lines) {
      const record = text === '' ? null : parseRecord(text);
      if (record === null || !state.done.has(record.line)) continue;
      batch += text + '\n';
      if (batch.length >= 64 * 1024) {
        await out.write(batch);
        batch = '';
      }
    }
    await out.write(batch);
    // On disk before the rename, so a crash cannot leave an empty file in its place.
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(temporary, state.path);
}

/** Offset just past the file's last newline (0 when it has none). */
async function endOfLastLine(handle: FileHandle, size: number): Promise<number> {
  const block = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - block.length);
    const { bytesRead } = await handle.read(block, 0, end - start, start);
    const newline = block.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline !== -1) return start + newline + 1;
    end = start;
  }
  return 0;
}

/** The fields resuming needs, or null when the line is not a record. */
function parseRecord(text: string): { line: number; url: string; code: string | null } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { line, url, error } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(line) || (line as number) < 1 || typeof url !== 'string') return null;
  if (error === null) return { line: line as number, url, code: null };
  const code = typeof error === 'object' ? (error as Record<string, unknown>)['code'] : undefined;
  return typeof code === 'string' ? { line: line as number, url, code } : null;
}
