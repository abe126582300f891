import { createHash, type Hash } from 'node:crypto';
import { FETCH_ERROR_CODES, FetchError } from '../../errors';
import { classifyError } from './classify-error';
import type { Decoder } from './content-coding';

export interface BodyLimits {
  /** Decoded bytes allowed; one more and the read stops with TOO_LARGE. */
  readonly maxBytes: number;
  readonly hash: boolean;
  readonly keep: boolean;
  /**
   * Past `maxBytes`, keep the first `maxBytes` and end the read as complete (cut)
   * instead of failing with TOO_LARGE: robots.txt is parsed to its first 500 KiB
   * whatever its size (RFC 9309 §2.5).
   */
  readonly truncate?: boolean;
}

/**
 * Reads one response body: decodes it when the server compressed it (gzip,
 * deflate, br, zstd, several in a row when the header lists several), counts and
 * hashes the decoded bytes, keeps them if asked, and stops at `maxBytes` of
 * decoded output, so a compression bomb costs at most the cap. Identity bodies take a synchronous path with no stream in between,
 * which is what lets large bodies be read at memory speed.
 */
export class BodyReader {
  bytes = 0;
  readonly #limits: BodyLimits;
  readonly #hash: Hash | null;
  readonly #chunks: Buffer[] | null;
  /** The decoders in a row (wire bytes into the first, body out of the last); empty for identity. */
  readonly #decoders: readonly Decoder[];
  readonly #first: Decoder | null;
  readonly #done: (error: FetchError | null, cut: boolean) => void;
  readonly #flow: { pause(): void; resume(): void };
  #finished = false;

  /**
   * @param decoders what undoes the response's content codings, in order (see `decodersFor`)
   * @param done called once: null when the body was read in full (or, with `truncate`,
   *   cut at the limit: `cut` is then true), or the error
   * @param pause/resume flow control towards the socket while a decoder is busy
   */
  constructor(
    decoders: readonly (() => Decoder)[],
    limits: BodyLimits,
    done: (error: FetchError | null, cut: boolean) => void,
    flow: { pause(): void; resume(): void },
  ) {
    this.#flow = flow;
    this.#limits = limits;
    this.#done = done;
    this.#hash = limits.hash ? createHash('sha256') : null;
    this.#chunks = limits.keep ? [] : null;
    this.#decoders = decoders.map((make) => make());
    this.#first = this.#decoders[0] ?? null;
    this.#decoders.forEach((decoder, i) => {
      decoder.on('error', (err) => this.#finish(classifyError(err)));
      const next = this.#decoders[i + 1];
      if (next !== undefined) {
        decoder.pipe(next);
      } else {
        decoder.on('data', (chunk: Buffer) => this.#take(chunk));
        decoder.once('end', () => this.#finish(null));
      }
    });
    this.#first?.on('drain', () => this.#flow.resume());
  }

  /** Feeds one chunk as it came off the wire. */
  write(chunk: Buffer): void {
    if (this.#finished) return;
    if (this.#first === null) {
      this.#take(chunk);
    } else if (!this.#first.write(chunk)) {
      this.#flow.pause();
    }
  }

  /** The wire body ended. */
  end(): void {
    if (this.#finished) return;
    if (this.#first === null) this.#finish(null);
    else this.#first.end();
  }

  /** Stops reading (the exchange failed or was aborted); `done` is not called. */
  destroy(): void {
    this.#finished = true;
    for (const decoder of this.#decoders) decoder.destroy();
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
      if (this.#limits.truncate === true) {
        this.#add(chunk.subarray(0, this.#limits.maxBytes - this.bytes));
        this.#finish(null, true);
        return;
      }
      this.#finish(new FetchError(FETCH_ERROR_CODES.TOO_LARGE, `body exceeds the limit of ${this.#limits.maxBytes} bytes`));
      return;
    }
    this.#add(chunk);
  }

  #add(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.#hash?.update(chunk);
    this.#chunks?.push(chunk);
  }

  #finish(error: FetchError | null, cut = false): void {
    if (this.#finished) return;
    this.#finished = true;
    if (error !== null || cut) for (const decoder of this.#decoders) decoder.destroy();
    this.#done(error, cut);
  }
}
