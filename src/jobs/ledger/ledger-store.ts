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

/** What {@link LedgerStore.advanceOnce} answers. */
export interface AdvanceOnceResult {
  /** False when the field was not at `from` (nothing changed). */
  readonly advanced: boolean;
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

/**
 * What a conditional write found. The AWS SDK retries a call whose response was lost
 * (a timeout, a 5xx); when the first send had committed, the retry fails its own
 * condition. So a failed condition alone cannot say whose the stored item is: the
 * writer puts a token of its own into the item (a delivery id, a transition's id) and a
 * failed condition is followed by a strongly consistent read of it (DynamoDB's
 * `ReturnValuesOnConditionCheckFailure` would save the read; dynalite, the local
 * emulator, has none).
 */
export const WRITE_OUTCOMES = {
  /** This call wrote the item. */
  WRITTEN: 'written',
  /** The condition failed because an earlier send of this same write had committed. */
  MINE: 'mine',
  /** The condition failed on another writer's item (or on none). */
  THEIRS: 'theirs',
} as const;

/** One of {@link WRITE_OUTCOMES}. */
export type WriteOutcome = (typeof WRITE_OUTCOMES)[keyof typeof WRITE_OUTCOMES];

/** True when the write is the caller's: it wrote now, or an earlier send of it did. */
export const isMine = (outcome: WriteOutcome): boolean => outcome !== WRITE_OUTCOMES.THEIRS;

/**
 * After a failed condition: the write is the caller's when the item now holds the
 * caller's token in its `owner` field. The one rule every store applies (the DynamoDB
 * store, the fleet store, the in-memory fake).
 */
export function ownerOutcome(
  stored: Readonly<Record<string, unknown>> | undefined,
  owner: string | undefined,
  token: unknown,
): WriteOutcome {
  return owner !== undefined && token !== undefined && stored?.[owner] === token ? WRITE_OUTCOMES.MINE : WRITE_OUTCOMES.THEIRS;
}

/** The condition of a {@link LedgerStore.setWhen}: a field equals a value, is absent, or is present. */
export type FieldCondition =
  | { readonly field: string; readonly equals: string }
  | { readonly field: string; readonly absent: true }
  | { readonly field: string; readonly present: true };

/** The primitives; every write is atomic on one item. */
export interface LedgerStore {
  /**
   * Creates the item unless one exists under the key (no change then). `owner` names the
   * item's field that holds the writer's token: with it, an item that exists because an
   * earlier send of this create committed answers `mine`; without it, `theirs`.
   */
  create(jobId: string, key: string, item: LedgerItem, owner?: string): Promise<WriteOutcome>;
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
   * Moves the number field `field` from `from` to `from + 1` (an absent field reads as 0),
   * adds `deltas` to number fields and sets `updatedAt`, all in one write, unless the
   * field is not at `from` (nothing changes then: a repeat finds it moved on). The item
   * must exist. Answers whether this call moved it and the item after (or as read,
   * strongly consistent). The field's value is its own token: a retried send that had
   * committed finds it moved on, which is what it wrote.
   */
  advanceOnce(
    jobId: string,
    key: string,
    field: string,
    from: number,
    deltas: Readonly<Record<string, number>>,
    now: number,
  ): Promise<AdvanceOnceResult>;
  /**
   * Adds `deltas` to number fields, creating the item if needed, and returns the item
   * after. Not idempotent: only for counts where a rare lost or repeated add is harmless
   * (a failure-rate threshold), never for the ledger's own counts.
   */
  add(jobId: string, key: string, deltas: Readonly<Record<string, number>>): Promise<LedgerItem>;
  /**
   * Sets fields when the item exists and `when` holds (no change otherwise). `owner` names
   * the field of `values` that holds the writer's token, as for {@link create}.
   */
  setWhen(
    jobId: string,
    key: string,
    values: Readonly<Record<string, string | number>>,
    when: FieldCondition,
    owner?: string,
  ): Promise<WriteOutcome>;
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
