import { ConfigError } from '../errors';
import { LOG_LEVELS, type LogLevelName } from '../observability/logger';
import { resolveEngineConfig, type EngineConfig, type EngineConfigInput } from './engine-config';

/** Where each AWS client sends its requests; unset in AWS, loopback emulators locally. */
export interface AwsEndpoints {
  readonly sqs?: string;
  readonly s3?: string;
  readonly dynamodb?: string;
  readonly eventbridge?: string;
}

/** The pipeline's configuration: read once from the environment, validated, frozen. */
export interface AppConfig {
  /** Chunk queue the consumer reads. */
  readonly queueUrl: string;
  /** Split queue the splitter reads (manifest jobs). */
  readonly splitQueueUrl: string;
  readonly bucket: string;
  readonly table: string;
  /** EventBridge bus that job events (a job's end) go to. */
  readonly eventBus: string;
  readonly endpoints: AwsEndpoints;
  /** Literal API key (local); the API wiring requires this or `apiKeyParam`. */
  readonly apiKey?: string;
  /** SSM parameter holding the API key (deployed). */
  readonly apiKeyParam?: string;
  /** Literal webhook signing secret (local); jobs may ask for a webhook only with this or `webhookSecretParam`. */
  readonly webhookSecret?: string;
  /** SSM parameter holding the webhook signing secret (deployed). */
  readonly webhookSecretParam?: string;
  /** Engine defaults for jobs; a job's options override them within bounds. */
  readonly engine: EngineConfig;
  /** URLs per chunk message at most. */
  readonly chunkUrls: number;
  /** Bytes per chunk message body at most; SQS bills each 64 KiB as one request. */
  readonly chunkBytes: number;
  /** Time kept back from the Lambda's remaining time when the consumer sets its deadline. */
  readonly deadlineMarginMs: number;
  /** Base of `statusUrl`/`resultsUrl` in API answers; relative paths when unset. */
  readonly publicUrl?: string;
  /** The chunk queue's redrive maxReceiveCount: the consumer's last receive of a message. */
  readonly chunkMaxReceiveCount: number;
  /** The split queue's redrive maxReceiveCount. */
  readonly splitMaxReceiveCount: number;
  /** The function's memory (Lambda's AWS_LAMBDA_FUNCTION_MEMORY_SIZE): a job's Lambda GB-seconds are counted with it. */
  readonly functionMemoryMb: number;
  /** Bytes of stored bodies a consumer holds at once at most (default: a quarter of the function's memory). */
  readonly bodyMemoryBytes: number;
  /**
   * Follow fault plans on messages: only when the local stack's launcher says so
   * (`FANOUT_FAULT_INJECTION=1` with `FANOUT_LOCAL_STACK=1`) and never on AWS Lambda
   * itself, whatever the stage or the environment (see {@link faultInjectionOf}).
   */
  readonly faultInjection: boolean;
  /** Settings that were given but are not applied, each with why: the handler logs them once at start. */
  readonly ignored: readonly string[];
  /** Lowest level the functions log (`POWERTOOLS_LOG_LEVEL`, else `LOG_LEVEL`; default `info`). */
  readonly logLevel: LogLevelName;
}

/** Defaults, documented in the README's configuration reference. */
export const APP_DEFAULTS = Object.freeze({
  chunkUrls: 100,
  chunkBytes: 60_000,
  deadlineMarginMs: 10_000,
  maxReceiveCount: 5,
  functionMemoryMb: 1024,
});

/** SQS takes up to 1 MiB per message; keep a margin for the envelope. */
const MAX_CHUNK_BYTES = 1_000_000;

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, key: string): string {
  const value = env[key]?.trim();
  if (value === undefined || value === '') {
    throw new ConfigError(`Expected \`${key}\` to be set, got \`${String(env[key])}\``);
  }
  return value;
}

function optional(env: Env, key: string): string | undefined {
  const value = env[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function httpUrl(env: Env, key: string): string | undefined {
  const value = optional(env, key);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`Expected \`${key}\` to be an http(s) URL, got \`${value}\``);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`Expected \`${key}\` to be an http(s) URL, got \`${value}\``);
  }
  return value.replace(/\/+$/, '');
}

function integer(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`Expected \`${key}\` to be an integer from ${min} to ${max}, got \`${raw}\``);
  }
  return n;
}

function flag(env: Env, key: string): boolean {
  const raw = optional(env, key);
  if (raw === undefined || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`Expected \`${key}\` to be 1 or 0, got \`${raw}\``);
}

/**
 * Variables the Lambda runtime itself sets in a deployed function, and serverless-offline
 * does not: where either is set, the code runs on AWS, not in the local stack.
 */
const LAMBDA_RUNTIME_KEYS = ['AWS_LAMBDA_RUNTIME_API', 'AWS_EXECUTION_ENV'] as const;

/**
 * Whether fault plans are followed, and why a request for them is ignored. Fault plans
 * kill invocations and fail store calls on purpose: only the local stack's launcher
 * (src/local/local-stack.ts) may turn them on, by setting both `FANOUT_FAULT_INJECTION`
 * and `FANOUT_LOCAL_STACK`. Not by stage name (`dev` is a deployable stage), and never
 * in a deployed function, even if both were set there by mistake.
 */
export function faultInjectionOf(env: Env): { readonly on: boolean; readonly ignored?: string } {
  if (!flag(env, 'FANOUT_FAULT_INJECTION')) return { on: false };
  const runtime = LAMBDA_RUNTIME_KEYS.find((key) => optional(env, key) !== undefined);
  if (runtime !== undefined) {
    return { on: false, ignored: `FANOUT_FAULT_INJECTION ignored: this function runs on AWS Lambda (${runtime} is set)` };
  }
  if (!flag(env, 'FANOUT_LOCAL_STACK')) {
    return { on: false, ignored: 'FANOUT_FAULT_INJECTION ignored: only the local stack (npm start) turns fault plans on' };
  }
  return { on: true };
}

/**
 * The log level, checked here because Powertools ignores a value it does not know
 * and logs at `info` without a word. The default keys are Powertools' own, so the same
 * setting works for a function that reads them directly; the first key set wins.
 */
export function logLevel(env: Env, keys: readonly string[] = ['POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL']): LogLevelName {
  for (const key of keys) {
    const raw = optional(env, key);
    if (raw === undefined) continue;
    const level = LOG_LEVELS.find((name) => name === raw.toLowerCase());
    if (level === undefined) throw new ConfigError(`Expected \`${key}\` to be one of ${LOG_LEVELS.join(', ')}, got \`${raw}\``);
    return level;
  }
  return 'info';
}

/** Environment variable per engine key that the pipeline lets the operator set. */
const ENGINE_ENV: Readonly<Partial<Record<keyof EngineConfig, string>>> = {
  allowNet: 'FANOUT_ALLOW_NET',
  concurrency: 'FANOUT_CONCURRENCY',
  perHost: 'FANOUT_PER_HOST',
  timeoutMs: 'FANOUT_TIMEOUT_MS',
  retries: 'FANOUT_RETRIES',
  maxBytes: 'FANOUT_MAX_BYTES',
  maxSockets: 'FANOUT_MAX_SOCKETS',
  dnsTimeoutMs: 'FANOUT_DNS_TIMEOUT_MS',
  // Politeness: a job may tighten these, never loosen them (src/jobs/job-options.ts).
  hostRate: 'FANOUT_HOST_RATE',
  rate: 'FANOUT_RATE',
  hostBurst: 'FANOUT_HOST_BURST',
  maxHostWaitMs: 'FANOUT_MAX_HOST_WAIT_MS',
  maxHostErrors: 'FANOUT_MAX_HOST_ERRORS',
  robots: 'FANOUT_ROBOTS',
};

function engineFromEnv(env: Env): EngineConfig {
  const input: EngineConfigInput = {};
  for (const [key, envKey] of Object.entries(ENGINE_ENV)) {
    const value = optional(env, envKey);
    if (value !== undefined) input[key as keyof EngineConfig] = value;
  }
  return resolveEngineConfig(input, (key) => ENGINE_ENV[key] ?? key);
}

/**
 * Reads the pipeline's environment once into a frozen, typed object. A missing or
 * invalid value throws a {@link ConfigError} naming the key and the value.
 *
 * @example
 * const config = loadAppConfig(process.env); // at module scope in a handler
 */
export function loadAppConfig(env: Env): AppConfig {
  const endpoints: AwsEndpoints = Object.freeze({
    sqs: httpUrl(env, 'FANOUT_SQS_ENDPOINT'),
    s3: httpUrl(env, 'FANOUT_S3_ENDPOINT'),
    dynamodb: httpUrl(env, 'FANOUT_DYNAMODB_ENDPOINT'),
    eventbridge: httpUrl(env, 'FANOUT_EVENTBRIDGE_ENDPOINT'),
  });
  const faults = faultInjectionOf(env);
  return Object.freeze({
    queueUrl: required(env, 'FANOUT_QUEUE_URL'),
    splitQueueUrl: required(env, 'FANOUT_SPLIT_QUEUE_URL'),
    bucket: required(env, 'FANOUT_BUCKET'),
    table: required(env, 'FANOUT_TABLE'),
    eventBus: required(env, 'FANOUT_EVENT_BUS'),
    endpoints,
    apiKey: optional(env, 'FANOUT_API_KEY'),
    apiKeyParam: optional(env, 'FANOUT_API_KEY_PARAM'),
    webhookSecret: optional(env, 'FANOUT_WEBHOOK_SECRET'),
    webhookSecretParam: optional(env, 'FANOUT_WEBHOOK_SECRET_PARAM'),
    engine: engineFromEnv(env),
    chunkUrls: integer(env, 'FANOUT_CHUNK_URLS', APP_DEFAULTS.chunkUrls, 1, 10_000),
    chunkBytes: integer(env, 'FANOUT_CHUNK_BYTES', APP_DEFAULTS.chunkBytes, 1024, MAX_CHUNK_BYTES),
    deadlineMarginMs: integer(env, 'FANOUT_DEADLINE_MARGIN_MS', APP_DEFAULTS.deadlineMarginMs, 0, 15 * 60_000),
    publicUrl: httpUrl(env, 'FANOUT_PUBLIC_URL'),
    chunkMaxReceiveCount: integer(env, 'FANOUT_CHUNK_MAX_RECEIVE_COUNT', APP_DEFAULTS.maxReceiveCount, 1, 1000),
    splitMaxReceiveCount: integer(env, 'FANOUT_SPLIT_MAX_RECEIVE_COUNT', APP_DEFAULTS.maxReceiveCount, 1, 1000),
    functionMemoryMb: integer(env, 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', APP_DEFAULTS.functionMemoryMb, 128, 10_240),
    bodyMemoryBytes: integer(
      env,
      'FANOUT_BODY_MEMORY_BYTES',
      // Lambda sets AWS_LAMBDA_FUNCTION_MEMORY_SIZE (MB): keep three quarters for the rest.
      (integer(env, 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', APP_DEFAULTS.functionMemoryMb, 128, 10_240) * 1024 * 1024) / 4,
      1024 * 1024,
      2 ** 40,
    ),
    faultInjection: faults.on,
    ignored: Object.freeze(faults.ignored === undefined ? [] : [faults.ignored]),
    logLevel: logLevel(env),
  });
}
