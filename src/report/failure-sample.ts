/**
 * The failures a report lists in full: the earliest input lines, spread across error
 * codes. Records arrive in the order they finished, so "the first 20 seen" would be
 * the instant refusals only; instead each code keeps its lowest lines (bounded), and
 * the list takes one per code in turn, then shows them by line.
 */

/** One failure as listed. */
export interface FailureRow {
  readonly line: number;
  readonly url: string;
  readonly code: string;
  readonly status: number | null;
  readonly message: string;
}

/**
 * Keeps, for each of at most `maxCodes` codes, the `size` failures with the lowest
 * lines: memory is bounded by `maxCodes × size` rows whatever the number of records.
 */
export class FailureSample {
  readonly #byCode = new Map<string, FailureRow[]>();

  /**
   * @param size rows listed at most
   * @param maxCodes codes tracked at most; further codes share `overflowCode`
   */
  constructor(
    private readonly size: number,
    private readonly maxCodes: number,
    private readonly overflowCode: string,
  ) {}

  /** Offers one failure; kept when it is among its code's lowest lines. */
  add(row: FailureRow): void {
    const key = this.#byCode.has(row.code) || this.#byCode.size < this.maxCodes ? row.code : this.overflowCode;
    let rows = this.#byCode.get(key);
    if (rows === undefined) {
      rows = [];
      this.#byCode.set(key, rows);
    }
    if (rows.length === this.size && (rows.at(-1) as FailureRow).line <= row.line) return;
    // Sorted by line; a list this short is cheaper to insert into than a heap.
    const at = rows.findIndex((kept) => kept.line > row.line);
    rows.splice(at === -1 ? rows.length : at, 0, row);
    if (rows.length > this.size) rows.pop();
  }

  /** Up to `size` failures, each code's lowest lines taken in turn, listed by line. */
  rows(): FailureRow[] {
    const queues = [...this.#byCode.values()].sort((a, b) => (a[0] as FailureRow).line - (b[0] as FailureRow).line);
    const picked: FailureRow[] = [];
    for (let depth = 0; picked.length < this.size; depth += 1) {
      const round = queues.filter((q) => q.length > depth).map((q) => q[depth] as FailureRow);
      if (round.length === 0) break;
      picked.push(...round.slice(0, this.size - picked.length));
    }
    return picked.sort((a, b) => a.line - b.line);
  }
}
