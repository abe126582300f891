/**
 * Job records and counters in one DynamoDB table.
 *
 * Table schema (mirror in serverless.yml):
 *   KeySchema:            pk (HASH), sk (RANGE)
 *   AttributeDefinitions: pk S, sk S          (no other key attributes, no indexes)
 *   BillingMode:          PAY_PER_REQUEST
 *   IAM (this store):     dynamodb:GetItem, PutItem, UpdateItem, Query on the table ARN
 *
 * Items, all under pk = `JOB#{jobId}`:
 *   sk = `JOB`          jobId, state (queued|done|failed), source, options (JSON),
 *                       splitsTotal, reason, createdAt, updatedAt (epoch ms)
 *   sk = `SHARD#{nn}`   counters urls, chunksTotal, chunksDone, splitsDone, succeeded,
 *                       failed, updatedAt, and string sets `counted` / `registered`
 *
 * Exactly-once without transactions (dynalite has no TransactWriteItems): a chunk is
 * counted by ONE conditional UpdateItem on the shard its id hashes to, which adds the
 * chunk id to the shard's `counted` set and its numbers to the shard's counters, on
 * condition the set does not contain the id yet. Marker and counters are one item, so
 * one write is atomic however often the chunk is delivered. Registrations (chunks added
 * before they are sent) work the same way with `registered`. Sharding keeps each set
 * small (about chunks / SHARDS ids), so writes stay cheap and items far below 400 KB.
 * The job is done when, read consistently after a count, every split is registered and
 * chunksDone == chunksTotal; the last writer always sees every earlier write.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import {
  JOB_STATES,
  type ChunkCounts,
  type JobStatus,
  type JobStore,
  type NewJob,
  type Registration,
} from '../jobs/ports';
import { jobStatus } from '../jobs/job-status';
import { sumShards, type Aggregate } from './job-aggregate';

/** Counter shards per job. */
export const SHARDS = 32;

type Item = Record<string, AttributeValue>;

const pk = (jobId: string): AttributeValue => ({ S: `JOB#${jobId}` });
const JOB_SK: AttributeValue = { S: 'JOB' };

/** The shard an id's marker and counters live on. */
export function shardOf(id: string): string {
  const n = createHash('sha256').update(id).digest().readUInt32BE(0) % SHARDS;
  return `SHARD#${String(n).padStart(2, '0')}`;
}

const num = (n: number): AttributeValue => ({ N: String(n) });

function conditionFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** The DynamoDB {@link JobStore}; see the note at the top of this file. */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async createJob(job: NewJob): Promise<boolean> {
    const item: Item = {
      pk: pk(job.jobId),
      sk: JOB_SK,
      jobId: { S: job.jobId },
      state: { S: JOB_STATES.QUEUED },
      source: { S: job.source },
      options: { S: JSON.stringify(job.options) },
      createdAt: num(job.now),
      updatedAt: num(job.now),
      ...(job.splitsTotal === undefined ? {} : { splitsTotal: num(job.splitsTotal) }),
    };
    return this.conditional(
      new PutItemCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async getJob(jobId: string): Promise<JobStatus | undefined> {
    const agg = await this.aggregate(jobId);
    return agg === undefined ? undefined : jobStatus(jobId, agg);
  }

  async setSplitsTotal(jobId: string, splits: number, now: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: pk(jobId), sk: JOB_SK },
        UpdateExpression: 'SET #splits = :n',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#splits': 'splitsTotal' },
        ExpressionAttributeValues: { ':n': num(splits) },
      }),
    );
    await this.completeIfDone(jobId, now);
  }

  async register(jobId: string, registrationId: string, reg: Registration, now: number): Promise<boolean> {
    const fresh = await this.addOnce(jobId, registrationId, 'registered', {
      chunksTotal: reg.chunks,
      urls: reg.urls,
      splitsDone: reg.split ? 1 : 0,
    }, now);
    // A split with no chunks (an empty range) may be the last thing the job waited for.
    if (fresh && reg.split) await this.completeIfDone(jobId, now);
    return fresh;
  }

  async isChunkCounted(jobId: string, chunkId: string): Promise<boolean> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: pk(jobId), sk: { S: shardOf(chunkId) } },
        ConsistentRead: true,
        ProjectionExpression: '#set',
        ExpressionAttributeNames: { '#set': 'counted' },
      }),
    );
    return out.Item?.['counted']?.SS?.includes(chunkId) ?? false;
  }

  async countChunk(jobId: string, chunkId: string, counts: ChunkCounts, now: number): Promise<boolean> {
    const fresh = await this.addOnce(jobId, chunkId, 'counted', {
      chunksDone: 1,
      succeeded: counts.succeeded,
      failed: counts.failed,
    }, now);
    if (fresh) await this.completeIfDone(jobId, now);
    return fresh;
  }

  async markFailed(jobId: string, reason: string, now: number): Promise<void> {
    await this.conditional(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: pk(jobId), sk: JOB_SK },
        UpdateExpression: 'SET #st = :failed, #reason = :reason, #ua = :now',
        ConditionExpression: '#st = :queued',
        ExpressionAttributeNames: { '#st': 'state', '#reason': 'reason', '#ua': 'updatedAt' },
        ExpressionAttributeValues: {
          ':failed': { S: JOB_STATES.FAILED },
          ':queued': { S: JOB_STATES.QUEUED },
          ':reason': { S: reason.slice(0, 1000) },
          ':now': num(now),
        },
      }),
    );
  }

  /** Adds `counters` to the id's shard and the id to `set`, unless the set holds it already. */
  private addOnce(jobId: string, id: string, set: 'counted' | 'registered', counters: Record<string, number>, now: number): Promise<boolean> {
    const names: Record<string, string> = { '#set': set, '#ua': 'updatedAt' };
    const values: Item = { ':id': { S: id }, ':ids': { SS: [id] }, ':now': num(now) };
    const adds = ['#set :ids'];
    Object.entries(counters).forEach(([name, value], i) => {
      names[`#c${i}`] = name;
      values[`:c${i}`] = num(value);
      adds.push(`#c${i} :c${i}`);
    });
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: pk(jobId), sk: { S: shardOf(id) } },
        UpdateExpression: `ADD ${adds.join(', ')} SET #ua = :now`,
        ConditionExpression: 'attribute_not_exists(#set) OR NOT contains(#set, :id)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** Sets `done` when every split is registered and every chunk counted (read consistently). */
  private async completeIfDone(jobId: string, now: number): Promise<void> {
    const agg = await this.aggregate(jobId);
    if (agg === undefined || agg.state !== JOB_STATES.QUEUED || agg.splitsTotal === undefined) return;
    if (agg.splitsDone < agg.splitsTotal || agg.chunksDone < agg.chunksTotal) return;
    await this.conditional(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: pk(jobId), sk: JOB_SK },
        UpdateExpression: 'SET #st = :done, #ua = :now',
        ConditionExpression: '#st = :queued',
        ExpressionAttributeNames: { '#st': 'state', '#ua': 'updatedAt' },
        ExpressionAttributeValues: { ':done': { S: JOB_STATES.DONE }, ':queued': { S: JOB_STATES.QUEUED }, ':now': num(now) },
      }),
    );
  }

  /** The job item and its shards summed; undefined when the job does not exist. */
  private async aggregate(jobId: string): Promise<Aggregate | undefined> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk(jobId) },
          // The sets are only for conditions; leave them out of the answer.
          ProjectionExpression:
            'sk, #st, splitsTotal, reason, createdAt, updatedAt, urls, chunksTotal, chunksDone, splitsDone, succeeded, #f',
          ExpressionAttributeNames: { '#st': 'state', '#f': 'failed' },
          ConsistentRead: true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return sumShards(items);
  }

  /** Runs a conditional write; false when its condition did not hold. */
  private async conditional(command: PutItemCommand | UpdateItemCommand): Promise<boolean> {
    try {
      if (command instanceof PutItemCommand) await this.client.send(command);
      else await this.client.send(command);
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }
}
