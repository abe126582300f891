import { randomBytes } from 'node:crypto';
import { createWriteStream, writeFile as writeFileCallback, type WriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { join } from 'node:path';
import { OutputError } from '../errors';
import type { BodyFile, BodyStore } from '../fetch/http/body-store';

/**
 * `fanout fetch --bodies DIR`: bodies on disk by content, `DIR/<first 2 hex of
 * sha256>/<sha256>`, each written once however many URLs return it.
 *
 * | step                               | on disk                          | if the run stops here          |
 * | ---------------------------------- | -------------------------------- | ------------------------------ |
 * | body arriving (past 64 KiB)        | `DIR/.partial-<random>` grows    | a `.partial-` file, no final name |
 * | read in full, hash known           | renamed to `DIR/ab/<sha256>`     | the complete body              |
 * | not read in full (error, too large)| temporary file removed           | nothing                        |
 *
 * A final name therefore always holds a complete body: the rename is atomic within
 * one file system, which is why the temporary file sits in `DIR` itself. Bodies
 * stream through a write stream whose back-pressure pauses the socket, so memory
 * is bounded by the requests in flight, not by body size. A body of at most
 * {@link SMALL_BODY_BYTES} is held in memory until it ends and written with one call
 * (a stream per small body cost more CPU than the fetch); one already stored by this
 * run is not written again at all.
 */
/** Bodies up to this size are written in one call once complete, not streamed. */
export const SMALL_BODY_BYTES = 64 * 1024;

export class ContentStore implements BodyStore {
  readonly #dir: string;
  /** Hashes stored by this run, and the two-hex folders made. */
  readonly #stored = new Set<string>();
  readonly #folders = new Set<string>();
  /** Partial files being removed: {@link close} waits for them. */
  readonly #removing = new Set<Promise<void>>();
  #failure: OutputError | null = null;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Makes the folder (and checks it can be written) before any request. */
  static async open(dir: string): Promise<ContentStore> {
    try {
      await mkdir(dir, { recursive: true });
      const probe = join(dir, `.partial-${randomBytes(8).toString('hex')}`);
      const stream = createWriteStream(probe, { flags: 'wx' });
      stream.end();
      await once(stream, 'close');
      await unlink(probe);
    } catch (err) {
      throw new OutputError(`cannot write bodies to ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
    return new ContentStore(dir);
  }

  /** The first failure to store a body (a full disk): the run should stop with it. */
  get failure(): OutputError | null {
    return this.#failure;
  }

  /** Bodies this store has written so far (distinct hashes). */
  get written(): number {
    return this.#stored.size;
  }

  open(): BodyFile {
    return new PartialBody(
      this.#dir,
      (sha256, temp, data) => this.#commit(sha256, temp, data),
      (err) => this.#failed(err),
      (removal) => {
        this.#removing.add(removal);
        void removal.finally(() => this.#removing.delete(removal));
      },
    );
  }

  /** Waits until the partial files of bodies not read in full are gone. */
  async close(): Promise<void> {
    while (this.#removing.size > 0) await Promise.all(this.#removing);
  }

  /** Puts a complete body under its name: `data` when it was held in memory, else the streamed file `temp`. */
  async #commit(sha256: string, temp: string, data: Buffer | null): Promise<void> {
    const folder = sha256.slice(0, 2);
    const target = join(this.#dir, folder, sha256);
    try {
      // Stored by this run already. A file left by an earlier run into the same folder
      // is replaced by the same bytes: asking first would cost a call per body.
      if (this.#stored.has(sha256)) {
        if (data === null) await unlink(temp);
        return;
      }
      // Marked first: a second body with this hash that ends meanwhile is not written again.
      this.#stored.add(sha256);
      if (!this.#folders.has(folder)) {
        await mkdir(join(this.#dir, folder), { recursive: true });
        this.#folders.add(folder);
      }
      if (data !== null) await writeFile(temp, data, { flag: 'wx' });
      await rename(temp, target);
    } catch (err) {
      this.#stored.delete(sha256);
      await unlink(temp).catch(() => undefined);
      throw this.#failed(err);
    }
  }

  #failed(err: unknown): OutputError {
    const failure = new OutputError(`cannot write bodies to ${this.#dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
    this.#failure ??= failure;
    return failure;
  }
}

/** One body: held in memory while small, then streamed to its temporary file. */
class PartialBody implements BodyFile {
  readonly #path: string;
  readonly #commit: (sha256: string, temp: string, data: Buffer | null) => Promise<void>;
  /** The body so far while it is no longer than {@link SMALL_BODY_BYTES} and no file was opened. */
  #held: Buffer[] | null = [];
  #heldBytes = 0;
  readonly #failed: (err: unknown) => OutputError;
  readonly #removing: (removal: Promise<void>) => void;
  #stream: WriteStream | null = null;
  #error: unknown = null;
  #drain: (() => void) | null = null;

  constructor(
    dir: string,
    commit: (sha256: string, temp: string, data: Buffer | null) => Promise<void>,
    failed: (err: unknown) => OutputError,
    removing: (removal: Promise<void>) => void,
  ) {
    this.#path = join(dir, `.partial-${randomBytes(12).toString('hex')}`);
    this.#commit = commit;
    this.#failed = failed;
    this.#removing = removing;
  }

  write(chunk: Buffer): boolean {
    const held = this.#held;
    if (held !== null) {
      if (this.#heldBytes + chunk.length <= SMALL_BODY_BYTES) {
        held.push(chunk);
        this.#heldBytes += chunk.length;
        return true;
      }
      // Too big to hold: what was held goes to the file first.
      this.#held = null;
      const file = this.#file();
      for (const part of held) file.write(part);
    }
    return this.#file().write(chunk);
  }

  onDrain(listener: () => void): void {
    this.#drain = listener;
    this.#stream?.on('drain', listener);
  }

  async commit(sha256: string): Promise<void> {
    const held = this.#held;
    if (held !== null) {
      this.#held = null;
      await this.#commit(sha256, this.#path, Buffer.concat(held, this.#heldBytes));
      return;
    }
    const stream = this.#file();
    stream.end();
    await closed(stream);
    if (this.#error !== null) {
      await unlink(this.#path).catch(() => undefined);
      throw this.#failed(this.#error);
    }
    await this.#commit(sha256, this.#path, null);
  }

  discard(): void {
    this.#held = null;
    const stream = this.#stream;
    if (stream === null) return;
    this.#stream = null;
    // Once closed (a file opened meanwhile is then on disk), the partial body goes.
    this.#removing(closed(stream).then(() => unlink(this.#path).catch(() => undefined)));
    stream.destroy();
  }

  #file(): WriteStream {
    if (this.#stream === null) {
      const stream = createWriteStream(this.#path, { flags: 'wx' });
      stream.on('error', (err) => (this.#error ??= err));
      if (this.#drain !== null) stream.on('drain', this.#drain);
      this.#stream = stream;
    }
    return this.#stream;
  }
}

/**
 * `fs.writeFile` with a callback: one open, write and close on the thread pool. The
 * promise API's `writeFile` goes through a FileHandle and cost more CPU per small body.
 */
const writeFile = promisify(writeFileCallback);

/**
 * Settles once `stream` has closed, whether it ended or failed: its error is kept by
 * its own listener (`events.once` would reject on 'error' instead, and a destroyed
 * stream with writes still queued emits one).
 */
function closed(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed) resolve();
    else stream.once('close', () => resolve());
  });
}
