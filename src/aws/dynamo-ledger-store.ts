/**
 * The job ledger's items in one DynamoDB table (rules: src/jobs/ledger/job-ledger.ts).
 *
 * Table schema (mirror in serverless.yml and src/local/local-resources.ts):
 *   KeySchema:            pk (HASH), sk (RANGE)
 *   AttributeDefinitions: pk S, sk S          (no other key attributes, no indexes)
 *   BillingMode:          PAY_PER_REQUEST
 *   TimeToLive:           expiresAt (set only on fleet limit items, src/aws/dynamo-fleet-limits.ts)
 *   IAM (this store):     dynamodb:GetItem, PutItem, UpdateItem, Query on the table ARN
 *
 * pk = `JOB#{jobId}`, sk = the ledger's item key. Strings are S, numbers N, sets SS
 * (DynamoDB has no empty set: an absent attribute is the empty set). Every write is
 * one PutItem or UpdateItem with a condition, so no transactions are needed (the
 * local emulator, dynalite, has none); creates and sets that name an owner field tell
 * their own committed write from another writer's (src/aws/dynamo-owned-write.ts), and
 * an add-once's member is its own token (a repeat finds it in the set). `onCapacity` receives the capacity units each
 * call consumed, for the ledger-cost benchmark.
 */
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { conditionFailed } from './condition-failed';
import { ownedWrite } from './dynamo-owned-write';
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
} from '../jobs/ledger/ledger-store';

type Item = Record<string, AttributeValue>;

const pk = (jobId: string): AttributeValue => ({ S: `JOB#${jobId}` });

function toAttribute(value: LedgerValue): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  return { SS: [...value] };
}

function fromItem(item: Item): LedgerItem {
  const out: Record<string, LedgerValue> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name === 'pk' || name === 'sk') continue;
    if (value.S !== undefined) out[name] = value.S;
    else if (value.N !== undefined) out[name] = Number(value.N);
    else if (value.SS !== undefined) out[name] = [...value.SS].sort();
  }
  return out;
}

/** `ADD` terms for number deltas, their names and values added to the expression's maps. */
function addTerms(deltas: Readonly<Record<string, number>>, names: Record<string, string>, values: Item): string[] {
  return Object.entries(deltas).map(([name, value], i) => {
    names[`#d${i}`] = name;
    values[`:d${i}`] = { N: String(value) };
    return `#d${i} :d${i}`;
  });
}

/** Options of {@link DynamoLedgerStore}. */
export interface DynamoLedgerStoreOptions {
  /** Called with the capacity each call consumed, its job, and whether it read or wrote (asks DynamoDB for it when set). */
  readonly onCapacity?: (units: number, jobId: string, kind: 'read' | 'write') => void;
}

/** The DynamoDB {@link LedgerStore}. */
export class DynamoLedgerStore implements LedgerStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly options: DynamoLedgerStoreOptions = {},
  ) {}

  async create(jobId: string, key: string, item: LedgerItem, owner?: string): Promise<WriteOutcome> {
    const attributes: Item = { pk: pk(jobId), sk: { S: key } };
    for (const [name, value] of Object.entries(item)) if (value !== undefined) attributes[name] = toAttribute(value);
    const command = new PutItemCommand({
      TableName: this.table,
      Item: attributes,
      ConditionExpression: 'attribute_not_exists(pk)',
      ...this.capacity(),
    });
    return this.owned(jobId, key, command, owner, owner === undefined ? undefined : item[owner]);
  }

  async get(jobId: string, key: string): Promise<LedgerItem | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: pk(jobId), sk: { S: key } }, ConsistentRead: true, ...this.capacity() }),
    );
    this.report(out.ConsumedCapacity, jobId, 'read');
    return out.Item === undefined ? undefined : fromItem(out.Item);
  }

  async addOnce(
    jobId: string,
    key: string,
    set: string,
    member: string,
    deltas: Readonly<Record<string, number>>,
    now: number,
  ): Promise<AddOnceResult> {
    const names: Record<string, string> = { '#set': set, '#ua': 'updatedAt' };
    const values: Item = { ':m': { S: member }, ':ms': { SS: [member] }, ':now': { N: String(now) } };
    const adds = ['#set :ms', ...addTerms(deltas, names, values)];
    const { wrote, item } = await this.updateOrRead(jobId, key, {
      UpdateExpression: `ADD ${adds.join(', ')} SET #ua = :now`,
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#set) OR NOT contains(#set, :m))',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return { added: wrote, item };
  }

  async advanceOnce(
    jobId: string,
    key: string,
    field: string,
    from: number,
    deltas: Readonly<Record<string, number>>,
    now: number,
  ): Promise<AdvanceOnceResult> {
    const names: Record<string, string> = { '#f': field, '#ua': 'updatedAt' };
    const values: Item = { ':from': { N: String(from) }, ':to': { N: String(from + 1) }, ':now': { N: String(now) } };
    const adds = addTerms(deltas, names, values);
    // An absent field reads as 0.
    const at = from === 0 ? '(#f = :from OR attribute_not_exists(#f))' : '#f = :from';
    const { wrote, item } = await this.updateOrRead(jobId, key, {
      UpdateExpression: `SET #f = :to, #ua = :now${adds.length > 0 ? ` ADD ${adds.join(', ')}` : ''}`,
      ConditionExpression: `attribute_exists(pk) AND ${at}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return { advanced: wrote, item };
  }

  async add(jobId: string, key: string, deltas: Readonly<Record<string, number>>): Promise<LedgerItem> {
    const names: Record<string, string> = {};
    const values: Item = {};
    const adds = addTerms(deltas, names, values);
    const out = await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: pk(jobId), sk: { S: key } },
        UpdateExpression: `ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ...this.capacity(),
      }),
    );
    this.report(out.ConsumedCapacity, jobId, 'write');
    return fromItem(out.Attributes ?? {});
  }

  async setWhen(
    jobId: string,
    key: string,
    values: Readonly<Record<string, string | number>>,
    when: FieldCondition,
    owner?: string,
  ): Promise<WriteOutcome> {
    const names: Record<string, string> = { '#when': when.field };
    const attributeValues: Item = {};
    const sets: string[] = [];
    Object.entries(values).forEach(([name, value], i) => {
      names[`#v${i}`] = name;
      attributeValues[`:v${i}`] = toAttribute(value);
      sets.push(`#v${i} = :v${i}`);
    });
    let condition: string;
    if ('equals' in when) {
      attributeValues[':when'] = { S: when.equals };
      condition = '#when = :when';
    } else {
      // attribute_exists(pk): a set never creates an item the ledger did not create.
      condition = `attribute_exists(pk) AND ${'absent' in when ? 'attribute_not_exists' : 'attribute_exists'}(#when)`;
    }
    const command = new UpdateItemCommand({
      TableName: this.table,
      Key: { pk: pk(jobId), sk: { S: key } },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: attributeValues,
      ...this.capacity(),
    });
    return this.owned(jobId, key, command, owner, owner === undefined ? undefined : values[owner]);
  }

  async list(jobId: string, prefix: string, options: ListOptions): Promise<ListedItem[]> {
    // Every key character sorts below U+FFFF, so [from, prefix + U+FFFF] is the prefix's tail.
    const low = options.from ?? prefix;
    const listed: ListedItem[] = [];
    let start: Item | undefined = options.after === undefined ? undefined : { pk: pk(jobId), sk: { S: options.after } };
    // A Query answers at most 1 MB: go on until `limit` items or the end.
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': pk(jobId), ':lo': { S: low }, ':hi': { S: `${prefix}\uffff` } },
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          Limit: options.limit - listed.length,
          ConsistentRead: true,
          ...this.capacity(),
        }),
      );
      this.report(out.ConsumedCapacity, jobId, 'read');
      for (const item of out.Items ?? []) listed.push({ key: item['sk']?.S ?? '', item: fromItem(item) });
      start = out.LastEvaluatedKey;
    } while (start !== undefined && listed.length < options.limit);
    return listed;
  }

  private capacity(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.options.onCapacity === undefined ? {} : { ReturnConsumedCapacity: 'TOTAL' };
  }

  private report(consumed: ConsumedCapacity | undefined, jobId: string, kind: 'read' | 'write'): void {
    if (consumed?.CapacityUnits !== undefined) this.options.onCapacity?.(consumed.CapacityUnits, jobId, kind);
  }

  /**
   * Runs a conditional update that returns the item after it; when its condition fails,
   * reads the item instead (strongly consistent). Its condition must require the item
   * (attribute_exists(pk)): an update never creates an item the ledger did not register.
   */
  private async updateOrRead(
    jobId: string,
    key: string,
    update: Pick<
      UpdateItemCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<{ wrote: boolean; item: LedgerItem }> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: pk(jobId), sk: { S: key } },
          ...update,
          ReturnValues: 'ALL_NEW',
          ...this.capacity(),
        }),
      );
      this.report(out.ConsumedCapacity, jobId, 'write');
      return { wrote: true, item: fromItem(out.Attributes ?? {}) };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
    const item = await this.get(jobId, key);
    if (item === undefined) throw new Error(`ledger item ${key} of job ${jobId} does not exist`);
    return { wrote: false, item };
  }

  /** Runs a conditional write that tells its own outcome from another writer's by the token in field `owner`. */
  private async owned(
    jobId: string,
    key: string,
    command: PutItemCommand | UpdateItemCommand,
    owner: string | undefined,
    token: LedgerValue | undefined,
  ): Promise<WriteOutcome> {
    const { outcome } = await ownedWrite(
      this.client,
      command,
      {
        table: this.table,
        key: { pk: pk(jobId), sk: { S: key } },
        isMine: (stored) => ownerOutcome(stored === undefined ? undefined : fromItem(stored), owner, token) === WRITE_OUTCOMES.MINE,
      },
      (consumed, kind) => this.report(consumed, jobId, kind),
    );
    return outcome;
  }
}
