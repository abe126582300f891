import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { OutputError } from '../errors';
import { jsonLine } from './json-line';

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
 *
 * A failed write (a full disk, a closed pipe) is never lost or thrown at the event
 * loop: from then on `write` returns a rejected promise and `close` rejects, both
 * with one {@link OutputError}, so the caller can stop the run and say why.
 */
export class JsonlWriter {
  readonly #stream: Writable;
  readonly #label: string;
  #buffer = '';
  #scheduled = false;
  /** One promise for every record written while the stream is full. */
  #drained: Promise<void> | undefined;
  /** Set once the stream has failed; every later write and the close reject with it. */
  #failed: Promise<never> | undefined;

  /** @param label what the stream is, for the error message: a file path or `stdout` */
  constructor(stream: Writable, label = 'the output') {
    this.#stream = stream;
    this.#label = label;
    stream.on('error', (err) => this.#fail(err));
  }

  write(record: unknown): Promise<void> | undefined {
    if (this.#failed !== undefined) return this.#failed;
    this.#buffer += jsonLine(record);
    if (this.#buffer.length >= FLUSH_AT) {
      this.#flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => this.#flush(), FLUSH_AFTER_MS);
    }
    if (this.#failed !== undefined) return this.#failed;
    if (!this.#stream.writableNeedDrain) return undefined;
    // `once` rejects when the stream fails while we wait; report that as ours.
    this.#drained ??= once(this.#stream, 'drain').then(
      () => {
        this.#drained = undefined;
      },
      () => this.#failed,
    );
    return this.#drained;
  }

  /** Flushes what is buffered and ends the stream (stdout is flushed, not ended). */
  async close(): Promise<void> {
    this.#flush();
    const stream = this.#stream;
    if (this.#failed !== undefined) return this.#failed;
    if (stream === process.stdout) {
      // A failure while draining is reported below, as #failed.
      if (stream.writableNeedDrain) await once(stream, 'drain').catch(() => undefined);
      return this.#failed;
    }
    // The callback hears of a failed last write before the 'error' event does.
    await new Promise<void>((resolve) =>
      stream.end((err?: Error | null) => {
        if (err) this.#fail(err);
        resolve();
      }),
    );
    return this.#failed;
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#buffer === '' || this.#failed !== undefined) return;
    this.#stream.write(this.#buffer);
    this.#buffer = '';
  }

  #fail(err: Error): void {
    if (this.#failed !== undefined) return;
    this.#failed = Promise.reject(new OutputError(`cannot write results to ${this.#label}: ${err.message}`, { cause: err }));
    // Handled by whoever asks (write, close); not an unhandled rejection meanwhile.
    this.#failed.catch(() => undefined);
    this.#buffer = '';
  }
}
