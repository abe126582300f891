import { createHash, randomUUID, type Hash } from 'node:crypto';

/**
 * The pieces of a WARC/1.1 record that are pure text: header blocks, record ids,
 * dates and digests (ISO 28500:2017; https://iipc.github.io/warc-specifications/).
 */

/** The version line every record starts with. */
export const WARC_VERSION = 'WARC/1.1';

/** `WARC-Profile` of a revisit record for a 304 answer to a conditional request. */
export const REVISIT_NOT_MODIFIED = 'http://netpreserve.org/warc/1.1/revisit/server-not-modified';

/** What a secret header's value is written as in a `request` record. */
export const REDACTED = '[redacted]';

/** A record's named fields, in order. */
export type WarcFields = ReadonlyArray<readonly [name: string, value: string]>;

/** A fresh `WARC-Record-ID`. */
export function newRecordId(): string {
  return `<urn:uuid:${randomUUID()}>`;
}

/** A `WARC-Date`: UTC, W3C ISO 8601, to the millisecond (WARC/1.1 allows fractions). */
export function warcDate(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * The header block of a record: version line, fields, blank line. A field value with
 * CR or LF would end the header early and let a target write fields of its own, so
 * such characters are replaced (the values come from the network).
 */
export function formatRecordHeader(fields: WarcFields): Buffer {
  let text = `${WARC_VERSION}\r\n`;
  for (const [name, value] of fields) text += `${name}: ${value.replace(/[\r\n]+/g, ' ')}\r\n`;
  return Buffer.from(`${text}\r\n`, 'utf8');
}

/** An HTTP/1.1 style message head: a start line, header lines, blank line. */
export function formatHttpHead(startLine: string, headers: WarcFields): Buffer {
  let text = `${startLine}\r\n`;
  for (const [name, value] of headers) text += `${name}: ${value.replace(/[\r\n]+/g, ' ')}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, the encoding WARC tools use for digests. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

/** A running `sha256:` digest in the labelled-base32 form of `WARC-*-Digest` fields. */
export class WarcDigest {
  readonly #hash: Hash = createHash('sha256');

  update(bytes: Uint8Array): void {
    this.#hash.update(bytes);
  }

  /** The field value, e.g. `sha256:2JQ…`; the digest can be read once. */
  value(): string {
    return `sha256:${base32(this.#hash.digest())}`;
  }
}
