/**
 * Where fully read bodies go when a run keeps them on disk (`fanout fetch --bodies`):
 * the engine streams each final response's decoded body into a {@link BodyFile} and,
 * once it has been read in full, commits it under its sha256. The file system
 * implementation is src/io/content-store.ts.
 */
export interface BodyStore {
  /** Starts one body. */
  open(): BodyFile;
}

/** One body on its way to the store. */
export interface BodyFile {
  /** Appends decoded bytes; false when the caller should wait for {@link onDrain} before writing more. */
  write(chunk: Buffer): boolean;
  /** Calls `listener` each time the file can take more after a `write` returned false. */
  onDrain(listener: () => void): void;
  /** The body was read in full and hashes to `sha256`: keep it under that name (once, whoever else had it). */
  commit(sha256: string): Promise<void>;
  /** The body was not read in full: nothing of it is kept. */
  discard(): void;
}
