/**
 * One conditional write to DynamoDB that knows whether it was its own.
 *
 * The SDK retries a call whose response was lost (a timeout, a 5xx, a reset socket).
 * When the first send had committed, the retry fails its own condition, and the error
 * alone reads as "someone else got there first". So the writer puts a token of its own
 * into the item (a delivery id, a transition's id), and on a failed condition this
 * reads the item back, strongly consistent, and asks the caller whether the token is
 * its own. (DynamoDB's `ReturnValuesOnConditionCheckFailure` would return the item with
 * the error and save the read; dynalite, the local emulator, does not support it.)
 *
 * IAM: dynamodb:GetItem besides the write's own action, on the table ARN.
 */
import {
  GetItemCommand,
  PutItemCommand,
  type UpdateItemCommand,
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { conditionFailed } from './condition-failed';
import { WRITE_OUTCOMES, type WriteOutcome } from '../jobs/ledger/ledger-store';

type Item = Record<string, AttributeValue>;

/**
 * How to read the item back after a failed condition, and how to tell the caller's
 * token. Without `isMine` nothing is read: a failed condition is `theirs` (for writes
 * whose repeat is harmless either way, such as a release).
 */
export interface ReadBack {
  readonly table: string;
  readonly key: Item;
  /** True when the stored item (undefined: none) holds the caller's token. */
  readonly isMine?: (stored: Item | undefined) => boolean;
}

/** What {@link ownedWrite} did, and the item it read when the condition failed. */
export interface OwnedWriteResult {
  readonly outcome: WriteOutcome;
  /** The write's answer (its `Attributes` when it asked for them), when it wrote. */
  readonly attributes?: Item;
  /** The item as read back after a failed condition. */
  readonly stored?: Item;
}

/**
 * Runs a conditional PutItem or UpdateItem: `written` when it wrote, `mine` when its
 * condition failed on an item holding the caller's token (an earlier send of this
 * write committed), `theirs` otherwise. Any other error is thrown. `report` receives
 * the capacity each call consumed (when the command asked for it).
 *
 * @example
 * const { outcome } = await ownedWrite(client, new PutItemCommand({ ..., ConditionExpression: 'attribute_not_exists(pk)' }), {
 *   table, key, isMine: (item) => item?.['deliveryId']?.S === deliveryId,
 * });
 */
export async function ownedWrite(
  client: DynamoDBClient,
  command: PutItemCommand | UpdateItemCommand,
  readBack: ReadBack,
  report: (consumed: ConsumedCapacity | undefined, kind: 'read' | 'write') => void = () => {},
): Promise<OwnedWriteResult> {
  try {
    const out = command instanceof PutItemCommand ? await client.send(command) : await client.send(command);
    report(out.ConsumedCapacity, 'write');
    return { outcome: WRITE_OUTCOMES.WRITTEN, ...(out.Attributes === undefined ? {} : { attributes: out.Attributes }) };
  } catch (error) {
    if (!conditionFailed(error)) throw error;
  }
  if (readBack.isMine === undefined) return { outcome: WRITE_OUTCOMES.THEIRS };
  const capacity =
    command.input.ReturnConsumedCapacity === undefined ? {} : { ReturnConsumedCapacity: command.input.ReturnConsumedCapacity };
  const read = await client.send(new GetItemCommand({ TableName: readBack.table, Key: readBack.key, ConsistentRead: true, ...capacity }));
  report(read.ConsumedCapacity, 'read');
  const outcome = readBack.isMine(read.Item) ? WRITE_OUTCOMES.MINE : WRITE_OUTCOMES.THEIRS;
  return { outcome, ...(read.Item === undefined ? {} : { stored: read.Item }) };
}
