import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../errors';

const execFileAsync = promisify(execFile);

/** Settings of one queue as declared in serverless.yml. */
export interface QueueSettings {
  readonly name: string;
  readonly dlqName: string;
  readonly visibilityTimeoutS: number;
  readonly maximumMessageSize: number;
  readonly maxReceiveCount: number;
}

/** Settings of one SQS event source mapping as declared in serverless.yml. */
export interface EventSourceSettings {
  readonly functionName: string;
  /** Messages per invocation at most (AWS: 1-10,000; above 10 needs a batching window). */
  readonly batchSize: number;
  /** Seconds to keep gathering a batch after its first message (AWS: 0-300). */
  readonly maximumBatchingWindowS: number;
  /** Concurrent invocations at most (AWS: 2-1,000). */
  readonly maximumConcurrency: number;
  /** `functionResponseType: ReportBatchItemFailures`: honour `batchItemFailures`. */
  readonly reportBatchItemFailures: boolean;
  /** The function's timeout; an invocation still running after it counts as failed. */
  readonly functionTimeoutS: number;
}

/** What the local stack needs from serverless.yml, resolved for one stage. */
export interface PipelineSettings {
  readonly stage: string;
  readonly chunkQueue: QueueSettings;
  readonly splitQueue: QueueSettings;
  readonly tableName: string;
  readonly consumer: EventSourceSettings;
  readonly splitter: EventSourceSettings;
}

/** Path of the serverless (osls) CLI script, run with the current Node binary. */
export const SERVERLESS_BIN = join(__dirname, '..', '..', 'node_modules', 'serverless', 'bin', 'serverless.js');

type Json = Record<string, unknown>;

function at(root: unknown, path: readonly (string | number)[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function num(root: unknown, path: readonly (string | number)[]): number {
  const value = Number(at(root, path));
  if (!Number.isFinite(value)) {
    throw new ConfigError(`Expected serverless.yml \`${path.join('.')}\` to be a number, got \`${String(at(root, path))}\``);
  }
  return value;
}

function str(root: unknown, path: readonly (string | number)[]): string {
  const value = at(root, path);
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(`Expected serverless.yml \`${path.join('.')}\` to be a string, got \`${String(value)}\``);
  }
  return value;
}

function queue(config: Json, id: string, dlqId: string): QueueSettings {
  const props = ['resources', 'Resources', id, 'Properties'];
  return {
    name: str(config, [...props, 'QueueName']),
    dlqName: str(config, ['resources', 'Resources', dlqId, 'Properties', 'QueueName']),
    visibilityTimeoutS: num(config, [...props, 'VisibilityTimeout']),
    maximumMessageSize: num(config, [...props, 'MaximumMessageSize']),
    maxReceiveCount: num(config, [...props, 'RedrivePolicy', 'maxReceiveCount']),
  };
}

function eventSource(config: Json, fn: string, service: string, stage: string): EventSourceSettings {
  const sqs = ['functions', fn, 'events', 0, 'sqs'];
  return {
    functionName: `${service}-${stage}-${fn}`,
    batchSize: num(config, [...sqs, 'batchSize']),
    maximumBatchingWindowS: Number(at(config, [...sqs, 'maximumBatchingWindow']) ?? 0),
    maximumConcurrency: num(config, [...sqs, 'maximumConcurrency']),
    reportBatchItemFailures: at(config, [...sqs, 'functionResponseType']) === 'ReportBatchItemFailures',
    functionTimeoutS: num(config, ['functions', fn, 'timeout']),
  };
}

/** Extracts {@link PipelineSettings} from the resolved serverless config (`serverless print` JSON). */
export function pipelineSettingsFrom(config: Json, stage: string): PipelineSettings {
  const service = str(config, ['service']);
  return {
    stage,
    chunkQueue: queue(config, 'ChunkQueue', 'ChunkDeadLetterQueue'),
    splitQueue: queue(config, 'SplitQueue', 'SplitDeadLetterQueue'),
    tableName: str(config, ['resources', 'Resources', 'JobsTable', 'Properties', 'TableName']),
    consumer: eventSource(config, 'consumer', service, stage),
    splitter: eventSource(config, 'splitter', service, stage),
  };
}

/**
 * Reads serverless.yml resolved for `stage` (through `serverless print`, about 3 s),
 * so the local queues and event sources use exactly the deployed settings.
 */
export async function readPipelineSettings(stage: string, serviceDir: string): Promise<PipelineSettings> {
  const { stdout } = await execFileAsync(process.execPath, [SERVERLESS_BIN, 'print', '--stage', stage, '--format', 'json'], {
    cwd: serviceDir,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const start = stdout.indexOf('{');
  if (start < 0) throw new ConfigError(`\`serverless print --stage ${stage}\` printed no JSON`);
  return pipelineSettingsFrom(JSON.parse(stdout.slice(start)) as Json, stage);
}
