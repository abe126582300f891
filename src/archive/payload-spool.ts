import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { WarcDigest } from './warc-fields';

/** Payloads up to this size stay in memory; larger ones go to a temporary file. */
export const SPILL_AT_BYTES = 256 * 1024;

/** A response's HTTP head and payload, complete, with the digests its record needs. */
export interface SpooledPayload {
  /** The HTTP status line and headers, as the record's block starts. */
  readonly head: Buffer;
  /** Payload bytes, as they came on the wire (still content-encoded). */
  readonly length: number;
  readonly blockDigest: string;
  readonly payloadDigest: string;
  /** The payload's bytes, start to end: from memory or from the spool file. */
  chunks(): AsyncIterable<Buffer>;
  /** Removes the spool file, if any. Idempotent. */
  discard(): Promise<void>;
}

/**
 * Holds one response's payload while it arrives, so its record can be written whole
 * after it (a WARC record states its length and digests before its block). Both
 * digests are computed as the bytes pass, and past {@link SPILL_AT_BYTES} the bytes go
 * to a file in `tempDir`: memory per response stays bounded whatever the body size,
 * which is why fanout does not use warcio.js's serializer (it digests a payload held
 * whole in memory).
 */
export class PayloadSpool {
  readonly #head: Buffer;
  readonly #tempDir: string;
  readonly #spillAt: number;
  readonly #block = new WarcDigest();
  readonly #payload = new WarcDigest();
  #memory: Buffer[] = [];
  #length = 0;
  #file: { path: string; stream: WriteStream } | undefined;

  constructor(head: Buffer, tempDir: string, spillAt = SPILL_AT_BYTES) {
    this.#head = head;
    this.#tempDir = tempDir;
    this.#spillAt = spillAt;
    this.#block.update(head);
  }

  /** Adds payload bytes; returns a promise when the spool file asks the caller to wait. */
  write(chunk: Buffer): Promise<void> | undefined {
    this.#block.update(chunk);
    this.#payload.update(chunk);
    this.#length += chunk.length;
    if (this.#file === undefined && this.#length <= this.#spillAt) {
      this.#memory.push(chunk);
      return undefined;
    }
    if (this.#file === undefined) {
      const path = join(this.#tempDir, `payload-${randomUUID()}`);
      const stream = createWriteStream(path, { flags: 'wx' });
      for (const held of this.#memory) stream.write(held);
      this.#memory = [];
      this.#file = { path, stream };
    }
    if (this.#file.stream.write(chunk)) return undefined;
    return once(this.#file.stream, 'drain').then(() => undefined);
  }

  /** Ends the payload; the spool file (if any) is flushed and closed. */
  async finish(): Promise<SpooledPayload> {
    const file = this.#file;
    if (file !== undefined) {
      file.stream.end();
      await once(file.stream, 'close');
    }
    const memory = this.#memory;
    const path = file?.path;
    return {
      head: this.#head,
      length: this.#length,
      blockDigest: this.#block.value(),
      payloadDigest: this.#payload.value(),
      chunks: path === undefined ? () => fromArray(memory) : () => createReadStream(path) as AsyncIterable<Buffer>,
      discard: async () => {
        if (path !== undefined) await rm(path, { force: true });
      },
    };
  }

  /** Drops what was spooled (the response was abandoned). */
  async discard(): Promise<void> {
    this.#memory = [];
    const file = this.#file;
    if (file === undefined) return;
    file.stream.destroy();
    await rm(file.path, { force: true });
  }
}

async function* fromArray(chunks: readonly Buffer[]): AsyncIterable<Buffer> {
  yield* chunks;
}
