import { createHash, type Hash } from 'node:crypto';
import {
  createBrotliDecompress,
  createGunzip,
  createInflate,
  createZstdDecompress,
  type Zlib,
} from 'node:zlib';
import type { Transform } from 'node:stream';
import { FETCH_ERROR_CODES, FetchError } from '../errors';
import { classifyError } from './classify-error';

export interface BodyLimits {
  /** Decoded bytes allowed; one more and the read stops with TOO_LARGE. */
  readonly maxBytes: number;
  readonly hash: boolean;
  readonly keep: boolean;
}

type Decoder = Transform & Zlib;

const DECODERS: Readonly<Record<string, () => Decoder>> = {
  gzip: () => createGunzip(),
  'x-gzip': () => createGunzip(),
  deflate: () => createInflate(),
  br: () => createBrotliDecompress(),
  zstd: () => createZstdDecompress() as unknown as Decoder,
};

/**
 * Reads one response body: decodes it when the server compressed it (gzip,
 * deflate, br, zstd), counts and hashes the decoded bytes, keeps them if asked,
 * and stops at `maxBytes` of decoded output, so a compression bomb costs at most
 * the cap. Identity bodies take a synchronous path with no stream in between,
 * which is what lets large bodies be read at memory speed.
 */
export class BodyReader {
  bytes = 0;
  readonly #limits: BodyLimits;
  readonly #hash: Hash | null;
  readonly #chunks: Buffer[] | null;
  readonly #decoder: Decoder | null;
  readonly #done: (error: FetchError | null) => void;
  readonly #flow: { pause(): void; resume(): void };
  #finished = false;

  /**
   * @param encoding the response's content-encoding header (lowercase), if any
   * @param done called once: null when the body was read in full, or the error
   * @param pause/resume flow control towards the socket while a decoder is busy
   */
  constructor(
    encoding: string | undefined,
    limits: BodyLimits,
    done: (error: FetchError | null) => void,
    flow: { pause(): void; resume(): void },
  ) {
    this.#flow = flow;
    this.#limits = limits;
    this.#done = done;
    this.#hash = limits.hash ? createHash('sha256') : null;
    this.#chunks = limits.keep ? [] : null;
    const make = encoding === undefined ? undefined : DECODERS[encoding];
    this.#decoder = make === undefined ? null : make();
    if (this.#decoder !== null) {
      const decoder = this.#decoder;
      decoder.on('data', (chunk: Buffer) => this.#take(chunk));
      decoder.once('end', () => this.#finish(null));
      decoder.once('error', (err) => this.#finish(classifyError(err)));
      decoder.on('drain', () => this.#flow.resume());
    }
  }

  /** Feeds one chunk as it came off the wire. */
  write(chunk: Buffer): void {
    if (this.#finished) return;
    if (this.#decoder === null) {
      this.#take(chunk);
    } else if (!this.#decoder.write(chunk)) {
      this.#flow.pause();
    }
  }

  /** The wire body ended. */
  end(): void {
    if (this.#finished) return;
    if (this.#decoder === null) this.#finish(null);
    else this.#decoder.end();
  }

  /** Stops reading (the exchange failed or was aborted); `done` is not called. */
  destroy(): void {
    this.#finished = true;
    this.#decoder?.destroy();
  }

  /** Hex sha256 of the decoded body; only meaningful once read in full. */
  digest(): string | null {
    return this.#hash === null ? null : this.#hash.digest('hex');
  }

  /** The decoded body, when asked to keep it. */
  body(): Buffer | undefined {
    return this.#chunks === null ? undefined : Buffer.concat(this.#chunks, this.bytes);
  }

  #take(chunk: Buffer): void {
    if (this.#finished) return;
    const next = this.bytes + chunk.length;
    if (next > this.#limits.maxBytes) {
      this.#finish(
        new FetchError(FETCH_ERROR_CODES.TOO_LARGE, `body exceeds the limit of ${this.#limits.maxBytes} bytes`),
      );
      return;
    }
    this.bytes = next;
    this.#hash?.update(chunk);
    this.#chunks?.push(chunk);
  }

  #finish(error: FetchError | null): void {
    if (this.#finished) return;
    this.#finished = true;
    if (error !== null) this.#decoder?.destroy();
    this.#done(error);
  }
}
