import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Buffer size at which records are flushed at once. */
const FLUSH_AT = 64 * 1024;
/** Longest a record waits in the buffer. */
const FLUSH_AFTER_MS = 20;

/**
 * Writes one JSON object per line to a stream. Records are gathered into one
 * write per 64 KiB or 20 ms, whichever comes first: a write per record (or per
 * event-loop turn, a few records at 20,000 a second) costs a syscall, and for a
 * file a thread-pool round trip, each; `write` returns a promise only when the
 * stream is full, so the producer slows down instead of buffering without bound.
 */
export class JsonlWriter {
  readonly #stream: Writable;
  #buffer = '';
  #scheduled = false;
  /** One promise for every record written while the stream is full. */
  #drained: Promise<void> | undefined;

  constructor(stream: Writable) {
    this.#stream = stream;
  }

  write(record: unknown): Promise<void> | undefined {
    this.#buffer += JSON.stringify(record) + '\n';
    if (this.#buffer.length >= FLUSH_AT) {
      this.#flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => this.#flush(), FLUSH_AFTER_MS);
    }
    if (!this.#stream.writableNeedDrain) return undefined;
    this.#drained ??= once(this.#stream, 'drain').then(() => {
      this.#drained = undefined;
    });
    return this.#drained;
  }

  /** Flushes what is buffered and ends the stream (stdout is flushed, not ended). */
  async close(): Promise<void> {
    this.#flush();
    const stream = this.#stream;
    if (stream === process.stdout) {
      if (stream.writableNeedDrain) await once(stream, 'drain');
      return;
    }
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#buffer === '') return;
    this.#stream.write(this.#buffer);
    this.#buffer = '';
  }
}
