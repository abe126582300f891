/**
 * The storage primitives the job ledger is built on. Each is ONE conditional write
 * or one read of one item, so a store (DynamoDB, or the in-memory fake of the unit
 * tests) implements them without transactions; the rules of the ledger live above
 * them, once, in {@link ./job-ledger}. One contract suite runs the ledger over both.
 *
 * Items live under a job and a key (`JOB`, `GROUP#r00005`, `BUCKET#c#0000`,
 * `CHUNK#c-000123`). A field holds a string, a number or a string set (as a sorted
 * array); absent fields read as undefined.
 */
export type LedgerValue = string | number | readonly string[];

/** One item's fields. */
export type LedgerItem = Readonly<Record<string, LedgerValue | undefined>>;

/** What {@link LedgerStore.addOnce} answers. */
export interface AddOnceResult {
  /** False when the set held the member already (nothing changed). */
  readonly added: boolean;
  /** The item after the write (or as read, strongly consistent, when nothing changed). */
  readonly item: LedgerItem;
}

/** One listed item and its key. */
export interface ListedItem {
  readonly key: string;
  readonly item: LedgerItem;
}

/** Where a listing starts and how much it returns. */
export interface ListOptions {
  readonly from?: string;
  readonly after?: string;
  readonly limit: number;
}

/** The primitives; every write is atomic on one item. */
export interface LedgerStore {
  /** Creates the item unless one exists under the key; false (and no change) when it did. */
  create(jobId: string, key: string, item: LedgerItem): Promise<boolean>;
  /** Reads one item, strongly consistent. */
  get(jobId: string, key: string): Promise<LedgerItem | undefined>;
  /**
   * Adds `member` to the string set `set`, adds `deltas` to number fields and sets
   * `updatedAt`, all in one write, unless the set holds the member already. The item
   * must exist (it is created by registration before anything is added to it).
   */
  addOnce(
    jobId: string,
    key: string,
    set: string,
    member: string,
    deltas: Readonly<Record<string, number>>,
    now: number,
  ): Promise<AddOnceResult>;
  /**
   * Adds `deltas` to number fields, creating the item if needed, and returns the item
   * after. Not idempotent: only for counts where a rare lost or repeated add is harmless
   * (a failure-rate threshold), never for the ledger's own counts.
   */
  add(jobId: string, key: string, deltas: Readonly<Record<string, number>>): Promise<LedgerItem>;
  /** Sets fields when the item's `field` equals `equals`; false when it did not (or there is no item). */
  setWhen(
    jobId: string,
    key: string,
    values: Readonly<Record<string, string | number>>,
    when: { readonly field: string; readonly equals: string },
  ): Promise<boolean>;
  /**
   * Items whose key starts with `prefix`, in key order, at most `limit`: from key `from`
   * on (inclusive), or after key `after` (exclusive), or from the first.
   */
  list(jobId: string, prefix: string, options: ListOptions): Promise<ListedItem[]>;
}

/** A set field's members (an absent set is empty). */
export function members(item: LedgerItem | undefined, set: string): readonly string[] {
  const value = item?.[set];
  return Array.isArray(value) ? value : [];
}

/** A number field's value (absent reads as 0). */
export function numberField(item: LedgerItem | undefined, field: string): number {
  const value = item?.[field];
  return typeof value === 'number' ? value : 0;
}

/** A string field's value. */
export function stringField(item: LedgerItem | undefined, field: string): string | undefined {
  const value = item?.[field];
  return typeof value === 'string' ? value : undefined;
}
