import type {
  AddOnceResult,
  LedgerItem,
  LedgerStore,
  LedgerValue,
  ListedItem,
  ListOptions,
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

  #record(call: string): void {
    this.calls.push(call);
    if (this.failOnce?.test(call) === true) {
      this.failOnce = undefined;
      throw new Error(`injected store failure: ${call}`);
    }
  }

  async create(jobId: string, key: string, item: LedgerItem): Promise<boolean> {
    this.#record(`create ${key}`);
    const id = `${jobId}\n${key}`;
    if (this.#items.has(id)) return false;
    const copy: Record<string, LedgerValue> = {};
    for (const [name, value] of Object.entries(item)) if (value !== undefined) copy[name] = value;
    this.#items.set(id, copy);
    return true;
  }

  async get(jobId: string, key: string): Promise<LedgerItem | undefined> {
    this.#record(`get ${key}`);
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
    this.#record(`addOnce ${key} ${set} ${member}`);
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

  async add(jobId: string, key: string, deltas: Readonly<Record<string, number>>): Promise<LedgerItem> {
    this.#record(`add ${key}`);
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
    when: { readonly field: string; readonly equals: string },
  ): Promise<boolean> {
    this.#record(`setWhen ${key}`);
    const item = this.#items.get(`${jobId}\n${key}`);
    if (item === undefined || item[when.field] !== when.equals) return false;
    Object.assign(item, values);
    return true;
  }

  async list(jobId: string, prefix: string, options: ListOptions): Promise<ListedItem[]> {
    this.#record(`list ${prefix}`);
    const head = `${jobId}\n`;
    return [...this.#items.entries()]
      .filter(([id]) => id.startsWith(head + prefix))
      .map(([id, item]) => ({ key: id.slice(head.length), item: { ...item } }))
      .filter(({ key }) => (options.from === undefined || key >= options.from) && (options.after === undefined || key > options.after))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, options.limit);
  }
}

/** DynamoDB refuses to ADD anything but a number (ValidationException): so does the fake. */
function numbersOnly(deltas: Readonly<Record<string, unknown>>): void {
  for (const [name, delta] of Object.entries(deltas)) {
    if (typeof delta !== 'number' || !Number.isFinite(delta))
      throw new Error(`ValidationException: ${name} is not a number: ${String(delta)}`);
  }
}
