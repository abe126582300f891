import {
  ownerOutcome,
  WRITE_OUTCOMES,
  type AddOnceResult,
  type AdvanceOnceResult,
  type FieldCondition,
  type LedgerItem,
  type LedgerStore,
  type LedgerValue,
  type ListedItem,
  type ListOptions,
  type WriteOutcome,
} from '../../../../src/jobs/ledger/ledger-store';

/**
 * The ledger's storage primitives in memory, with DynamoDB's semantics: every write is
 * atomic on one item, sets are string sets (absent = empty), reads are consistent.
 * `calls` counts each primitive, for tests that check what a step costs.
 */
export class MemoryLedgerStore implements LedgerStore {
  readonly #items = new Map<string, Record<string, LedgerValue>>();
  readonly calls: string[] = [];
  /** The next call whose description (as in `calls`) matches fails once, before it changes anything. */
  failOnce: RegExp | undefined;
  /**
   * The next matching write commits, but its response is lost and it is sent again, as
   * the AWS SDK's retry does after a timeout or a 5xx: the caller gets the repeat's answer.
   */
  lostResponse: RegExp | undefined;
  readonly #before: { pattern: RegExp; action: () => Promise<unknown> }[] = [];

  /** Runs `action` once, just before the next call matching `pattern` acts (to stage a race). */
  beforeNext(pattern: RegExp, action: () => Promise<unknown>): void {
    this.#before.push({ pattern, action });
  }

  async #record(call: string): Promise<void> {
    this.calls.push(call);
    const staged = this.#before.findIndex((b) => b.pattern.test(call));
    if (staged >= 0) {
      const [entry] = this.#before.splice(staged, 1);
      await entry?.action();
    }
    if (this.failOnce?.test(call) === true) {
      this.failOnce = undefined;
      throw new Error(`injected store failure: ${call}`);
    }
  }

  /** Applies a write; a lost response applies it again and answers the repeat's outcome. */
  #write<T>(call: string, apply: () => T): T {
    const first = apply();
    if (this.lostResponse?.test(call) !== true) return first;
    this.lostResponse = undefined;
    this.calls.push(`${call} (retried)`);
    return apply();
  }

  async create(jobId: string, key: string, item: LedgerItem, owner?: string): Promise<WriteOutcome> {
    await this.#record(`create ${key}`);
    const id = `${jobId}\n${key}`;
    return this.#write(`create ${key}`, () => {
      const existing = this.#items.get(id);
      if (existing !== undefined) return ownerOutcome(existing, owner, owner === undefined ? undefined : item[owner]);
      const copy: Record<string, LedgerValue> = {};
      for (const [name, value] of Object.entries(item)) if (value !== undefined) copy[name] = value;
      this.#items.set(id, copy);
      return WRITE_OUTCOMES.WRITTEN;
    });
  }

  async get(jobId: string, key: string): Promise<LedgerItem | undefined> {
    await this.#record(`get ${key}`);
    const item = this.#items.get(`${jobId}\n${key}`);
    return item === undefined ? undefined : { ...item };
  }

  async addOnce(
    jobId: string,
    key: string,
    set: string,
    member: string,
    deltas: Readonly<Record<string, number>>,
    now: number,
  ): Promise<AddOnceResult> {
    await this.#record(`addOnce ${key} ${set} ${member}`);
    const item = this.#items.get(`${jobId}\n${key}`);
    if (item === undefined) throw new Error(`ledger item ${key} of job ${jobId} does not exist`);
    const current = (item[set] as readonly string[] | undefined) ?? [];
    if (current.includes(member)) return { added: false, item: { ...item } };
    numbersOnly(deltas);
    item[set] = [...current, member].sort();
    for (const [name, delta] of Object.entries(deltas)) item[name] = ((item[name] as number | undefined) ?? 0) + delta;
    item['updatedAt'] = now;
    return { added: true, item: { ...item } };
  }

  async advanceOnce(
    jobId: string,
    key: string,
    field: string,
    from: number,
    deltas: Readonly<Record<string, number>>,
    now: number,
  ): Promise<AdvanceOnceResult> {
    await this.#record(`advanceOnce ${key} ${field} ${from}`);
    const item = this.#items.get(`${jobId}\n${key}`);
    if (item === undefined) throw new Error(`ledger item ${key} of job ${jobId} does not exist`);
    numbersOnly(deltas);
    return this.#write(`advanceOnce ${key} ${field} ${from}`, () => {
      if (((item[field] as number | undefined) ?? 0) !== from) return { advanced: false, item: { ...item } };
      item[field] = from + 1;
      for (const [name, delta] of Object.entries(deltas)) item[name] = ((item[name] as number | undefined) ?? 0) + delta;
      item['updatedAt'] = now;
      return { advanced: true, item: { ...item } };
    });
  }

  async add(jobId: string, key: string, deltas: Readonly<Record<string, number>>): Promise<LedgerItem> {
    await this.#record(`add ${key}`);
    const id = `${jobId}\n${key}`;
    const item = this.#items.get(id) ?? {};
    numbersOnly(deltas);
    for (const [name, delta] of Object.entries(deltas)) item[name] = ((item[name] as number | undefined) ?? 0) + delta;
    this.#items.set(id, item);
    return { ...item };
  }

  async setWhen(
    jobId: string,
    key: string,
    values: Readonly<Record<string, string | number>>,
    when: FieldCondition,
    owner?: string,
  ): Promise<WriteOutcome> {
    await this.#record(`setWhen ${key}`);
    return this.#write(`setWhen ${key}`, () => {
      const item = this.#items.get(`${jobId}\n${key}`);
      if (item === undefined || !holds(item, when)) return ownerOutcome(item, owner, owner === undefined ? undefined : values[owner]);
      Object.assign(item, values);
      return WRITE_OUTCOMES.WRITTEN;
    });
  }

  async list(jobId: string, prefix: string, options: ListOptions): Promise<ListedItem[]> {
    await this.#record(`list ${prefix}`);
    const head = `${jobId}\n`;
    return [...this.#items.entries()]
      .filter(([id]) => id.startsWith(head + prefix))
      .map(([id, item]) => ({ key: id.slice(head.length), item: { ...item } }))
      .filter(({ key }) => (options.from === undefined || key >= options.from) && (options.after === undefined || key > options.after))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, options.limit);
  }
}

/** A set's condition, as DynamoDB evaluates it on an existing item. */
function holds(item: Readonly<Record<string, LedgerValue>>, when: FieldCondition): boolean {
  if ('equals' in when) return item[when.field] === when.equals;
  return 'absent' in when ? item[when.field] === undefined : item[when.field] !== undefined;
}

/** DynamoDB refuses to ADD anything but a number (ValidationException): so does the fake. */
function numbersOnly(deltas: Readonly<Record<string, unknown>>): void {
  for (const [name, delta] of Object.entries(deltas)) {
    if (typeof delta !== 'number' || !Number.isFinite(delta))
      throw new Error(`ValidationException: ${name} is not a number: ${String(delta)}`);
  }
}
