/**
 * Where a chunk sits in its job: the group it was cut in (`c` for an inline job,
 * `r00005` for range 5 of a manifest), its root index in that group, and how many
 * times its URLs have been re-queued (generation). Everything else is derived from
 * these three numbers, so every delivery of a chunk, and of its parent, names the same
 * ids, buckets and child.
 */
export interface ChunkRef {
  readonly group: string;
  readonly index: number;
  readonly generation: number;
}

/**
 * Root chunks per ledger bucket. A bucket's item holds two small counters per root (its
 * lineage's children registered and chunks counted), whatever the lineage's length, so
 * it stays under a kilobyte: one write capacity unit whatever the job's size or the
 * number of times its chunks are re-queued.
 */
export const CHUNKS_PER_BUCKET = 64;

/** Group id of an inline job's chunks. */
export const INLINE_GROUP = 'c';

/** Group id of manifest range `index`: zero-padded so ids, and result pages, sort in manifest order. */
export function rangeGroup(index: number): string {
  return `r${String(index).padStart(5, '0')}`;
}

/**
 * A chunk's id: `c-000123`, `r00005-000123`, and `c-000123~2` for the second re-queue of
 * `c-000123`'s leftovers. `~` sorts after every other id character, so a child's results
 * come right after its parent's and before the next root's.
 */
export function chunkIdOf(ref: ChunkRef): string {
  const root = `${ref.group}-${String(ref.index).padStart(6, '0')}`;
  return ref.generation === 0 ? root : `${root}~${ref.generation}`;
}

/** The child of a chunk: same group and root, next generation. Fixed by the parent, never by the leftovers. */
export function childOf(ref: ChunkRef): ChunkRef {
  return { group: ref.group, index: ref.index, generation: ref.generation + 1 };
}

/** The ledger bucket a chunk (and every generation of its root) is counted in. */
export function bucketOf(ref: ChunkRef): number {
  return Math.floor(ref.index / CHUNKS_PER_BUCKET);
}

/** Prefix of a bucket's counters of chunks counted, one per root: `n5` = chunks of root 5's lineage counted. */
export const COUNTED_PREFIX = 'n';

/**
 * The bucket field counting the chunks of this chunk's lineage (its root and every
 * generation of it) counted so far. A lineage is counted in generation order (a child
 * is sent only after its parent is counted), so generation g is counted exactly when
 * the field is above g: one short number instead of a set member per generation.
 */
export function countedField(ref: ChunkRef): string {
  return `${COUNTED_PREFIX}${ref.index % CHUNKS_PER_BUCKET}`;
}

/**
 * The bucket field counting the children registered in this chunk's lineage: the child
 * of generation g is registered exactly when it is above g (generation g's delivery
 * registers it, after generation g itself was registered).
 */
export function childrenField(ref: ChunkRef): string {
  return `k${ref.index % CHUNKS_PER_BUCKET}`;
}

/** How many root chunks bucket `bucket` of a group of `chunks` roots holds. */
export function rootsInBucket(chunks: number, bucket: number): number {
  return Math.max(0, Math.min(CHUNKS_PER_BUCKET, chunks - bucket * CHUNKS_PER_BUCKET));
}

/** Buckets a group of `chunks` roots needs. */
export function bucketsFor(chunks: number): number {
  return Math.ceil(chunks / CHUNKS_PER_BUCKET);
}

/**
 * Encodes positions (indexes into a chunk's URL list) as a base64url bitmap: 100
 * positions fit in 17 characters, so a claim records its leftovers in a small item.
 */
export function encodePositions(positions: readonly number[]): string {
  if (positions.length === 0) return '';
  const bits = Buffer.alloc(Math.floor(Math.max(...positions) / 8) + 1);
  for (const p of positions) bits[p >> 3] = (bits[p >> 3] as number) | (1 << (p & 7));
  return bits.toString('base64url');
}

/** The positions {@link encodePositions} encoded, ascending. */
export function decodePositions(encoded: string): number[] {
  const bits = Buffer.from(encoded, 'base64url');
  const out: number[] = [];
  for (let i = 0; i < bits.length * 8; i += 1) if (((bits[i >> 3] as number) & (1 << (i & 7))) !== 0) out.push(i);
  return out;
}
