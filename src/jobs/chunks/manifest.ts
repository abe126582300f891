import type { UrlInput } from '../../fetch/types';

/** A manifest object's size and version. */
export interface ManifestHead {
  readonly size: number;
  readonly etag: string;
}

/** Reads a manifest object by byte range. */
export interface ManifestReader {
  /** Size and ETag; throws ManifestError when the object does not exist or cannot be read. */
  head(bucket: string, key: string): Promise<ManifestHead>;
  /**
   * Bytes [start, end) (end exclusive, clipped to the object) of the version `etag`;
   * throws ManifestError when the object has changed (or is gone).
   */
  readRange(bucket: string, key: string, start: number, end: number, etag: string): Promise<Buffer>;
}

/** Bytes of manifest one splitter invocation cuts into chunks (about 65,000 URLs of 60 bytes). */
export const MANIFEST_RANGE_BYTES = 4 * 1024 * 1024;

/**
 * How far past a range's end the splitter first reads to finish its last line; each
 * further read goes twice as far, so a line of n bytes takes log2(n / step) reads.
 */
const TAIL_STEP = 64 * 1024;

const NL = 0x0a;

/** Parses `s3://bucket/key`; returns undefined when it is not one. */
export function parseS3Url(value: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(value);
  return match === null ? undefined : { bucket: match[1] as string, key: match[2] as string };
}

/** Splits [0, size) into ranges of `rangeBytes`. */
export function planRanges(size: number, rangeBytes: number): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  for (let start = 0; start < size; start += rangeBytes) ranges.push({ start, end: Math.min(size, start + rangeBytes) });
  return ranges;
}

/** Newlines in a buffer. */
export function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NL); i !== -1; i = buf.indexOf(NL, i + 1)) n += 1;
  return n;
}

/**
 * The 1-based number of the first line that starts in each range, from each range's
 * newline count and whether its last byte is a newline. Lines are counted physically
 * (blank lines too) so a result's `line` is the manifest's line number.
 */
export function firstLines(stats: readonly { newlines: number; endsWithNewline: boolean }[]): number[] {
  const out: number[] = [];
  let before = 0; // newlines strictly before the current range
  for (let i = 0; i < stats.length; i++) {
    if (i === 0) {
      out.push(1);
    } else {
      const prev = stats[i - 1] as { endsWithNewline: boolean };
      // Lines starting before this range: the one at byte 0 plus one per newline that is not
      // the byte just before the range (that newline starts this range's first line).
      out.push(1 + 1 + before - (prev.endsWithNewline ? 1 : 0));
    }
    before += (stats[i] as { newlines: number }).newlines;
  }
  return out;
}

/**
 * Reads the lines that start in [start, end) of a manifest, finishing the last one
 * past `end` if needed, and returns them as URL inputs numbered from `firstLine`.
 * Blank lines keep their number but yield no URL.
 */
export async function readRangeUrls(
  reader: ManifestReader,
  range: { bucket: string; key: string; start: number; end: number; size: number; firstLine: number; etag: string },
): Promise<UrlInput[]> {
  const { bucket, key, start, end, size, etag } = range;
  // One byte before the range tells whether a line starts exactly at `start`.
  const from = start === 0 ? 0 : start - 1;
  let buf = await reader.readRange(bucket, key, from, end, etag);
  let pos: number;
  if (start === 0) {
    pos = 0;
  } else {
    const nl = buf.indexOf(NL);
    if (nl === -1) return []; // the whole range is inside a line that started earlier
    pos = nl + 1;
  }
  const limit = end - from; // lines must start before this offset in `buf`
  let readTo = end;
  const urls: UrlInput[] = [];
  let line = range.firstLine;
  let step = TAIL_STEP;
  while (pos < limit) {
    let nl = buf.indexOf(NL, pos);
    if (nl === -1 && readTo < size) {
      // The last line goes on past what was read: read on until its newline, looking
      // only in what each read brought and joining the parts once (linear in the line).
      const parts = [buf];
      let length = buf.length;
      while (nl === -1 && readTo < size) {
        const more = await reader.readRange(bucket, key, readTo, Math.min(size, readTo + step), etag);
        if (more.length === 0) break;
        readTo += more.length;
        step *= 2;
        const found = more.indexOf(NL);
        if (found !== -1) nl = length + found;
        parts.push(more);
        length += more.length;
      }
      buf = Buffer.concat(parts, length);
    }
    const stop = nl === -1 ? buf.length : nl;
    const text = buf.toString('utf8', pos, stop).trim();
    if (text !== '') urls.push({ url: text, line });
    line += 1;
    pos = stop + 1;
  }
  return urls;
}
