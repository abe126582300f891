/**
 * The fleet limit store in the jobs table (rules: planStarts and planSlots in
 * src/jobs/fleet/fleet-limits.ts).
 *
 * Items (one partition per limit key, so a hot host never shares one with a job's ledger):
 *   pk = `LIMIT#{key}`, sk = `RATE`:  tat N (the GCRA theoretical arrival time, epoch ms)
 *   pk = `LIMIT#{key}`, sk = `SLOTS`: used N (slots leased, the sum of the counts below),
 *                                     `slots#{holder}` N, `until#{holder}` N (epoch ms) and
 *                                     `by#{holder}` S (the token of its latest acquisition)
 *                                     per holder with slots
 *   RATE also: tatBy S, the token of the latest reservation
 *   both: expiresAt N, epoch seconds, a day after the item's last use: the table's TTL
 *   attribute (serverless.yml TimeToLiveSpecification; dynalite has no TTL, so local
 *   items stay). Leases last at most a Lambda invocation, so no live item is removed.
 * IAM (this store): dynamodb:GetItem, UpdateItem on the table ARN.
 *
 * Every write is one conditional UpdateItem on one item (dynalite has no transactions):
 * - reserveStarts reads `tat`, then writes the new one if `tat` is still what it read
 *   (attribute_not_exists on the first reservation). A loser re-reads and retries.
 * - acquireSlots first tries without a read: ADD its slots to `used` and to its own
 *   count if `used` ≤ cap − n. A holder's slots are one counter, not one entry each, so
 *   the item grows with holders, not slots (a cap may be 10,000; an item at most 400 KB).
 *   When that fails it reads the item, takes back leases that expired before `now`
 *   (each removal conditional on the lease being what it read, so a renewed lease is
 *   never taken) and writes the new counts if `used` is still what it read.
 * - releaseSlots needs no read: `used` − the holder's count, and the pair removed, on
 *   condition the holder has slots.
 * Every write stores a token of its own and tells, when its condition fails, whether
 * the item holds that token (src/aws/dynamo-owned-write.ts): an SDK retry of a write
 * whose response was lost neither wastes its reservation nor adds its slots twice.
 * Contended writes retry with jittered backoff, at most MAX_ATTEMPTS times, then throw
 * LimitContendedError. `onCapacity` receives the capacity units each successful call
 * consumed (DynamoDB also bills failed conditional writes, which do not report it).
 */
import {
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { ownedWrite } from './dynamo-owned-write';
import { isMine } from '../jobs/ledger/ledger-store';
import { setTimeout as sleep } from 'node:timers/promises';
import { LimitContendedError } from '../jobs/errors';
import { checkSlotRequest, planSlots, planStarts, type FleetLimitStore, type SlotLease, type StartGrant } from '../jobs/fleet/fleet-limits';

type Item = Record<string, AttributeValue>;
type Update = Pick<
  UpdateItemCommandInput,
  'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/** Attempts of one call's conditional write before it gives up. */
const MAX_ATTEMPTS = 10;
/** Upper bound of the first retry's random wait; it doubles per attempt up to MAX_BACKOFF_MS. */
const BASE_BACKOFF_MS = 4;
const MAX_BACKOFF_MS = 100;
/** Expired leases taken back by one write: keeps its expressions well under DynamoDB's 4 KB. */
const MAX_RECLAIM = 50;
/** How long an item outlives its last use before TTL deletes it. */
const TTL_AFTER_S = 86_400;
const COUNT = 'slots#';
const UNTIL = 'until#';
/** A holder's token of its latest acquisition: an SDK retry of it that committed is known as its own. */
const BY = 'by#';

const num = (value: number): AttributeValue => ({ N: String(value) });
const ttl = (lastUseMs: number): AttributeValue => num(Math.ceil(lastUseMs / 1000) + TTL_AFTER_S);

function leasesOf(item: Item | undefined): SlotLease[] {
  const leases: SlotLease[] = [];
  for (const [name, value] of Object.entries(item ?? {})) {
    if (!name.startsWith(COUNT) || value.N === undefined) continue;
    const holder = name.slice(COUNT.length);
    leases.push({ holder, count: Number(value.N), expiresAt: Number(item?.[UNTIL + holder]?.N ?? 0) });
  }
  return leases;
}

/** Options of {@link DynamoFleetLimits}. */
export interface DynamoFleetLimitsOptions {
  /** Called with the capacity each call consumed, its limit key, and whether it read or wrote (asks DynamoDB for it when set). */
  readonly onCapacity?: (units: number, key: string, kind: 'read' | 'write') => void;
}

/** The DynamoDB {@link FleetLimitStore}. */
export class DynamoFleetLimits implements FleetLimitStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #options: DynamoFleetLimitsOptions;

  constructor(client: DynamoDBClient, table: string, options: DynamoFleetLimitsOptions = {}) {
    this.#client = client;
    this.#table = table;
    this.#options = options;
  }

  async reserveStarts(key: string, perSecond: number, burst: number, count: number, now: number, notAfter: number): Promise<StartGrant> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      await backoff(attempt);
      const old = (await this.#get(key, 'RATE'))?.['tat'];
      const plan = planStarts(old?.N === undefined ? undefined : Number(old.N), perSecond, burst, count, now, notAfter);
      if (plan.grant.count === 0 || plan.tat === undefined) return plan.grant;
      const token = randomUUID();
      const written = await this.#update(
        key,
        'RATE',
        {
          UpdateExpression: 'SET #tat = :tat, #by = :by, #ttl = :ttl',
          ConditionExpression: old === undefined ? 'attribute_not_exists(#tat)' : '#tat = :old',
          ExpressionAttributeNames: { '#tat': 'tat', '#by': 'tatBy', '#ttl': 'expiresAt' },
          ExpressionAttributeValues: {
            ':tat': num(plan.tat),
            ':by': { S: token },
            ':ttl': ttl(plan.tat),
            ...(old === undefined ? {} : { ':old': old }),
          },
        },
        (stored) => stored?.['tatBy']?.S === token,
      );
      if (written) return plan.grant;
    }
    throw new LimitContendedError(`start reservation for ${key} kept being overtaken (${MAX_ATTEMPTS} attempts)`);
  }

  async acquireSlots(key: string, holder: string, want: number, cap: number, expiresAt: number, now: number): Promise<number> {
    checkSlotRequest(want, cap);
    const n = Math.min(want, cap);
    if (n === 0) return 0;
    // An ADD is not idempotent: the token (and the condition that it is not there yet)
    // keeps an SDK retry of a committed acquisition from adding its slots twice.
    const token = randomUUID();
    const mine = (stored: Item | undefined): boolean => stored?.[BY + holder]?.S === token;
    const quick = await this.#update(
      key,
      'SLOTS',
      {
        UpdateExpression: 'SET #until = :until, #by = :by, #ttl = :ttl ADD #count :n, #used :n',
        ConditionExpression:
          '(attribute_not_exists(#used) OR #used <= :room) AND (attribute_not_exists(#until) OR #until <= :until) AND (attribute_not_exists(#by) OR #by <> :by)',
        ExpressionAttributeNames: {
          '#used': 'used',
          '#count': COUNT + holder,
          '#until': UNTIL + holder,
          '#by': BY + holder,
          '#ttl': 'expiresAt',
        },
        ExpressionAttributeValues: {
          ':n': num(n),
          ':room': num(cap - n),
          ':until': num(expiresAt),
          ':by': { S: token },
          ':ttl': ttl(expiresAt),
        },
      },
      mine,
    );
    if (quick) return n;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      await backoff(attempt);
      const item = await this.#get(key, 'SLOTS');
      const plan = planSlots(leasesOf(item), holder, want, cap, expiresAt, now, MAX_RECLAIM);
      if (plan.granted === 0) return 0;
      if (await this.#update(key, 'SLOTS', rewrite(item, plan.lease, plan.reclaim, plan.granted, token), mine)) return plan.granted;
    }
    throw new LimitContendedError(`slot lease for ${key} kept being overtaken (${MAX_ATTEMPTS} attempts)`);
  }

  async releaseSlots(key: string, holder: string): Promise<void> {
    // False when the holder has no slots (never had, released, or taken back after expiry).
    await this.#update(key, 'SLOTS', {
      UpdateExpression: 'SET #used = #used - #count REMOVE #count, #until, #by',
      ConditionExpression: 'attribute_exists(#count)',
      ExpressionAttributeNames: { '#used': 'used', '#count': COUNT + holder, '#until': UNTIL + holder, '#by': BY + holder },
    });
  }

  async #get(key: string, sk: string): Promise<Item | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: itemKey(key, sk), ConsistentRead: true, ...this.#capacity() }),
    );
    this.#report(out.ConsumedCapacity, key, 'read');
    return out.Item;
  }

  /**
   * Runs a conditional update; false when its condition did not hold on another
   * writer's item. `holdsToken` tells, after a failed condition, an item this very update
   * wrote (an SDK retry of a send that committed) by the token it stored.
   */
  async #update(key: string, sk: string, update: Update, holdsToken?: (stored: Item | undefined) => boolean): Promise<boolean> {
    const command = new UpdateItemCommand({ TableName: this.#table, Key: itemKey(key, sk), ...update, ...this.#capacity() });
    const { outcome } = await ownedWrite(
      this.#client,
      command,
      { table: this.#table, key: itemKey(key, sk), ...(holdsToken === undefined ? {} : { isMine: holdsToken }) },
      (consumed, kind) => this.#report(consumed, key, kind),
    );
    return isMine(outcome);
  }

  #capacity(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.#options.onCapacity === undefined ? {} : { ReturnConsumedCapacity: 'TOTAL' };
  }

  #report(consumed: ConsumedCapacity | undefined, key: string, kind: 'read' | 'write'): void {
    if (consumed?.CapacityUnits !== undefined) this.#options.onCapacity?.(consumed.CapacityUnits, key, kind);
  }
}

function itemKey(key: string, sk: string): Item {
  return { pk: { S: `LIMIT#${key}` }, sk: { S: sk } };
}

/** Full jitter: a random wait below a bound that doubles per attempt (none before the first). */
async function backoff(attempt: number): Promise<void> {
  if (attempt > 0) await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt));
}

/**
 * The write after a read: the holder's new lease, the reclaimed leases removed and
 * `used` recomputed, on condition that `used`, the holder's lease and each reclaimed
 * lease are still what was read (so the literal new `used` is right).
 */
function rewrite(item: Item | undefined, lease: SlotLease, reclaim: readonly SlotLease[], granted: number, token: string): Update {
  const names: Record<string, string> = {
    '#used': 'used',
    '#count': COUNT + lease.holder,
    '#until': UNTIL + lease.holder,
    '#by': BY + lease.holder,
    '#ttl': 'expiresAt',
  };
  const values: Item = { ':count': num(lease.count), ':until': num(lease.expiresAt), ':by': { S: token }, ':ttl': ttl(lease.expiresAt) };
  const used = Number(item?.['used']?.N ?? 0);
  values[':used'] = num(used - reclaim.reduce((sum, l) => sum + l.count, 0) + granted);
  const conditions = [unchanged(item, '#used', 'used', values, ':oldUsed')];
  conditions.push(unchanged(item, '#count', COUNT + lease.holder, values, ':oldCount'));
  conditions.push(unchanged(item, '#until', UNTIL + lease.holder, values, ':oldUntil'));
  const removed: string[] = [];
  reclaim.forEach((l, i) => {
    names[`#rc${i}`] = COUNT + l.holder;
    names[`#ru${i}`] = UNTIL + l.holder;
    names[`#rb${i}`] = BY + l.holder;
    conditions.push(unchanged(item, `#rc${i}`, COUNT + l.holder, values, `:rc${i}`));
    conditions.push(unchanged(item, `#ru${i}`, UNTIL + l.holder, values, `:ru${i}`));
    removed.push(`#rc${i}`, `#ru${i}`, `#rb${i}`);
  });
  return {
    UpdateExpression: `SET #used = :used, #count = :count, #until = :until, #by = :by, #ttl = :ttl${removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : ''}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** A condition that attribute `name` (placeholder `ref`) is as read; adds its value as `placeholder`. */
function unchanged(item: Item | undefined, ref: string, name: string, values: Item, placeholder: string): string {
  const read = item?.[name];
  if (read === undefined) return `attribute_not_exists(${ref})`;
  values[placeholder] = read;
  return `${ref} = ${placeholder}`;
}
