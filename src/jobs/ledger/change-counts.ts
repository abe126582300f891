import type { ChangeKind, FetchResult } from '../../fetch/result';

/**
 * How many of a monitoring job's records are of each change kind: stored on a chunk's
 * claim, counted into its bucket, rolled up like the success counts. Fields of their
 * own (not a map) because the ledger's stores add numbers field by field.
 */
export const CHANGE_FIELDS = {
  new: 'changesNew',
  changed: 'changesChanged',
  unchanged: 'changesUnchanged',
  gone: 'changesGone',
} as const satisfies Record<ChangeKind, string>;

/** Counts of each change kind, by ledger field. */
export type ChangeFieldCounts = { readonly [F in (typeof CHANGE_FIELDS)[ChangeKind]]?: number };

/** A job's (or a chunk's) change counts as the API shows them. */
export type ChangeCounts = { readonly [K in ChangeKind]: number };

/** The change counts of a chunk's records; none for records without a `change`. */
export function countChanges(records: readonly FetchResult[]): ChangeFieldCounts {
  const counts: Record<string, number> = {};
  for (const record of records) {
    if (record.change === undefined || record.change === null) continue;
    const field = CHANGE_FIELDS[record.change];
    counts[field] = (counts[field] ?? 0) + 1;
  }
  return counts;
}

/** A claim's counts for the ledger: successes, failures and its change counts. */
export function claimCounts(
  claim: { readonly succeeded: number; readonly failed: number } & ChangeFieldCounts,
): { succeeded: number; failed: number } & Record<string, number> {
  const counts: { succeeded: number; failed: number } & Record<string, number> = { succeeded: claim.succeeded, failed: claim.failed };
  for (const field of Object.values(CHANGE_FIELDS)) if ((claim[field] ?? 0) > 0) counts[field] = claim[field] as number;
  return counts;
}

/** The API's change counts from ledger fields; undefined when there are none (not a monitoring job). */
export function changeCountsOf(read: (field: string) => number): ChangeCounts | undefined {
  const counts = Object.fromEntries(Object.entries(CHANGE_FIELDS).map(([kind, field]) => [kind, read(field)])) as ChangeCounts;
  return Object.values(counts).some((n) => n > 0) ? counts : undefined;
}

/** The counts a close rolls up from a bucket into its group and from a group into its job. */
export const ROLLED_UP_FIELDS: readonly string[] = ['succeeded', 'failed', ...Object.values(CHANGE_FIELDS)];
