import { createBrotliDecompress, createGunzip, createInflate, createZstdDecompress, type Zlib } from 'node:zlib';
import type { Transform } from 'node:stream';
import { FETCH_ERROR_CODES, FetchError } from '../../errors';

/** A decoder of one content coding. */
export type Decoder = Transform & Zlib;

/**
 * The content codings we decode (RFC 9110, 8.4.1), and `identity`, which needs no
 * decoder. A Map, not an object literal: a header value such as `constructor` must
 * not find something on Object's prototype.
 */
const DECODERS: ReadonlyMap<string, (() => Decoder) | null> = new Map<string, (() => Decoder) | null>([
  ['identity', null],
  ['gzip', () => createGunzip()],
  ['x-gzip', () => createGunzip()],
  ['deflate', () => createInflate()],
  ['br', () => createBrotliDecompress()],
  ['zstd', () => createZstdDecompress() as unknown as Decoder],
]);

/** The `Accept-Encoding` request header: every coding we can decode. */
export const ACCEPT_ENCODING = 'gzip, deflate, br, zstd';

/**
 * The decoders a `Content-Encoding` header asks for, in the order to run them:
 * codings are listed in the order they were applied, so they are undone from the
 * last (`gzip, br` is brotli of gzip: brotli first). `identity` adds nothing.
 * Several header lines count as one list.
 *
 * @throws FetchError BAD_RESPONSE for a coding outside the set: keeping its bytes
 *   would report an `ok` body that is still encoded, and hash that.
 */
export function decodersFor(header: string | readonly string[] | undefined): (() => Decoder)[] {
  if (header === undefined) return [];
  const list = typeof header === 'string' ? header : header.join(',');
  const decoders: (() => Decoder)[] = [];
  for (const item of list.split(',')) {
    const coding = item.trim().toLowerCase();
    if (coding === '') continue;
    const decoder = DECODERS.get(coding);
    if (decoder === undefined) {
      throw new FetchError(FETCH_ERROR_CODES.BAD_RESPONSE, `unsupported content-encoding ${JSON.stringify(coding.slice(0, 64))}`);
    }
    if (decoder !== null) decoders.unshift(decoder);
  }
  return decoders;
}
