/**
 * A job's options: which there are, how each is bounded, and the engine config a job
 * runs with. One module, used by the API validator, the schedule handler and the
 * consumer, so a bound is stated once. The bounds are the engine's own
 * ({@link ENGINE_BOUNDS}), capped by the deployment's configured values: a job can
 * lower the deployment's limits, never raise them.
 */
import { ENGINE_BOUNDS, resolveEngineConfig, type EngineConfig, type EngineConfigInput } from '../config/engine-config';
import { formatRate, MAX_RATE_PER_S, parseRate } from '../config/rate';
import type { ValidationDetails } from '../errors';
import type { JobOptions } from './chunks/messages';

/** Job option name → the engine config key it sets. `storeBodies` asks the engine for the bytes. */
export const JOB_OPTION_KEYS = {
  concurrency: 'concurrency',
  perHost: 'perHost',
  timeoutMs: 'timeoutMs',
  retries: 'retries',
  maxBytes: 'maxBytes',
  storeBodies: 'keepBodies',
  hostRate: 'hostRate',
  rate: 'rate',
  hostBurst: 'hostBurst',
  maxHostWaitMs: 'maxHostWaitMs',
  maxHostErrors: 'maxHostErrors',
  robots: 'robots',
} as const satisfies Record<string, keyof EngineConfig>;

/** A job option's name. */
export type JobOptionName = keyof typeof JOB_OPTION_KEYS;

/**
 * Options of the job itself rather than of the engine. `maxFailureRate`: once at least
 * {@link FAILURE_RATE_MIN_RESULTS} results are in, a share of failures above it stops
 * the job (its remaining URLs get records) and ends it `failed` with the reason.
 */
export const JOB_ONLY_OPTIONS = { maxFailureRate: [0, 1] } as const;

/** Results a job must have before its failure rate can stop it: a few early failures prove nothing. */
export const FAILURE_RATE_MIN_RESULTS = 1000;

/** The failure rate a job asked to stop at, if any. */
export function maxFailureRateOf(options: JobOptions): number | undefined {
  const value = options['maxFailureRate'];
  return typeof value === 'number' ? value : undefined;
}

/** The integer options: bounded by the engine's bounds and the deployment's values. */
export const INTEGER_OPTIONS = [
  'concurrency',
  'perHost',
  'timeoutMs',
  'retries',
  'maxBytes',
  'hostBurst',
  'maxHostWaitMs',
  'maxHostErrors',
] as const;

/** The rate options: a rate string (`50/s`, `30/m`, `2/h`) or a number per second; stored as a number per second. */
export const RATE_OPTIONS = ['hostRate', 'rate'] as const;

/** The options that are limits: a job may make each tighter than the deployment's, never looser. */
const LIMITS = [...INTEGER_OPTIONS, ...RATE_OPTIONS, 'robots'] as const;
type LimitOption = (typeof LIMITS)[number];

/** The value of a limit that means "no limit": a looser one there is none. */
const NO_LIMIT: Partial<Record<LimitOption, unknown>> = { hostRate: null, rate: null, maxHostErrors: 0 };

/**
 * The tighter of two values of a limit: the smaller, where `null` (rates) and `0`
 * (maxHostErrors) mean no limit; for `robots`, on. The rule "a job can lower the
 * deployment's limits, never raise them" is `tighter(name, job, deployment) === job`.
 */
export function tighter(name: LimitOption, a: number | boolean | null, b: number | boolean | null): number | boolean | null {
  if (name === 'robots') return a === true || b === true;
  const none = NO_LIMIT[name];
  if (a === none) return b;
  if (b === none) return a;
  return Math.min(a as number, b as number);
}

/** Where manifests must live: the deployment's bucket, under this prefix (the functions may read nothing else). */
export const MANIFEST_PREFIX = 'manifests/';

/** What a deployment allows a job. */
export interface JobLimits {
  /** The deployment's engine config: each limit option is at most as loose as its value here. */
  readonly engine: EngineConfig;
  /** The bucket manifests must be in. */
  readonly manifestBucket: string;
  /**
   * Bytes of bodies one consumer may hold at once for `storeBodies` jobs: such a job's
   * maxBytes is capped at it and its concurrency at budget / maxBytes.
   */
  readonly bodyMemoryBytes: number;
  /** True when the deployment has a webhook signing secret: only then may a job ask for a webhook. */
  readonly webhooks: boolean;
}

/** The inclusive range an integer option may take under these limits. */
export function optionRange(name: (typeof INTEGER_OPTIONS)[number], limits: JobLimits): readonly [number, number] {
  const key = JOB_OPTION_KEYS[name];
  const [min, max] = ENGINE_BOUNDS[key];
  const deployment = limits.engine[key];
  if (deployment === NO_LIMIT[name]) return [min, max];
  // Where 0 means no limit, a job's 0 would lift the deployment's.
  return [NO_LIMIT[name] === min ? min + 1 : min, deployment];
}

/**
 * Checks a job's `options` object: unknown names, wrong types and values past the
 * deployment's limits each become a detail naming `options.<name>`. Returns the valid
 * ones, rates as numbers per second (so the consumer never parses a rate string).
 */
export function validateJobOptions(value: unknown, limits: JobLimits, details: ValidationDetails): JobOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    details.add('options', 'must be an object');
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    const checked = checkOption(name, v, limits);
    if (checked.reason === undefined) out[name] = checked.value;
    else details.add(`options.${name}`, checked.reason);
  }
  return out;
}

type Checked = { readonly value: unknown; readonly reason?: undefined } | { readonly reason: string };

function checkOption(name: string, value: unknown, limits: JobLimits): Checked {
  if (name === 'maxFailureRate') {
    const [min, max] = JOB_ONLY_OPTIONS.maxFailureRate;
    return typeof value === 'number' && value >= min && value <= max ? { value } : { reason: `must be a number from ${min} to ${max}` };
  }
  if (!Object.hasOwn(JOB_OPTION_KEYS, name)) {
    return { reason: `unknown option; allowed: ${[...Object.keys(JOB_OPTION_KEYS), ...Object.keys(JOB_ONLY_OPTIONS)].join(', ')}` };
  }
  if (name === 'storeBodies') return typeof value === 'boolean' ? { value } : { reason: 'must be true or false' };
  if (name === 'robots') {
    if (typeof value !== 'boolean') return { reason: 'must be true or false' };
    return tighter(name, value, limits.engine.robots) === value ? { value } : { reason: 'must be true: this deployment obeys robots.txt' };
  }
  if ((RATE_OPTIONS as readonly string[]).includes(name)) return checkRate(name as (typeof RATE_OPTIONS)[number], value, limits);
  const integer = name as (typeof INTEGER_OPTIONS)[number];
  const [min, max] = optionRange(integer, limits);
  const fits =
    typeof value === 'number' && Number.isInteger(value) && value >= ENGINE_BOUNDS[integer][0] && value <= ENGINE_BOUNDS[integer][1];
  if (fits && tighter(integer, value, limits.engine[integer]) === value) return { value };
  return { reason: `must be an integer from ${min} to ${max} (this deployment's limit)` };
}

function checkRate(name: (typeof RATE_OPTIONS)[number], value: unknown, limits: JobLimits): Checked {
  const deployment = limits.engine[name];
  let perSecond: number;
  try {
    perSecond = parseRate(value, `options.${name}`);
  } catch {
    const most = formatRate(deployment ?? MAX_RATE_PER_S);
    return { reason: `must be a rate such as 50/s, 30/m or 2/h, or a number per second, from 1/day to ${most}` };
  }
  if (tighter(name, perSecond, deployment) !== perSecond) {
    return { reason: `must be at most ${formatRate(deployment as number)} (this deployment's limit)` };
  }
  return { value: perSecond };
}

/**
 * The engine config a job runs with: the deployment's config with the job's options
 * over it, each limit never looser than the deployment's (see {@link tighter}; even for
 * a message that did not pass the API), and a `storeBodies` job held within the body
 * memory budget.
 */
export function jobEngineConfig(base: EngineConfig, options: JobOptions, bodyMemoryBytes: number): EngineConfig {
  const input: EngineConfigInput = { ...base };
  for (const [name, key] of Object.entries(JOB_OPTION_KEYS)) {
    const value = options[name];
    if (value !== undefined) input[key] = value;
  }
  const config = resolveEngineConfig(input, (key) => `options.${key}`);
  const capped: Record<string, unknown> = { ...config };
  for (const name of LIMITS) capped[name] = tighter(name, config[name], base[name]);
  if (config.keepBodies) {
    const maxBytes = Math.min(capped['maxBytes'] as number, bodyMemoryBytes);
    capped['maxBytes'] = maxBytes;
    capped['concurrency'] = Math.max(1, Math.min(capped['concurrency'] as number, Math.floor(bodyMemoryBytes / Math.max(1, maxBytes))));
  }
  return Object.freeze(capped as unknown as EngineConfig);
}

/**
 * Returns the run config for a job's options, resolved once per distinct options: the
 * consumer has ONE engine (one connection pool) and passes this per run.
 *
 * @example
 * const configFor = createJobConfigs(config.engine, config.bodyMemoryBytes); // module scope
 * await engine.run(urls, { config: configFor(msg.options), onResult, deadline });
 */
export function createJobConfigs(base: EngineConfig, bodyMemoryBytes: number, maxEntries = 64): (options: JobOptions) => EngineConfig {
  const configs = new Map<string, EngineConfig>();
  return (options) => {
    // Every engine option is in the key (the rates too: `30/m` and 0.5 resolve alike but cache apart, which is harmless).
    const key = JSON.stringify(Object.keys(JOB_OPTION_KEYS).map((name) => options[name] ?? null));
    let config = configs.get(key);
    if (config === undefined) {
      // Bounded: forget the oldest entry (it is cheap to resolve again).
      if (configs.size >= maxEntries) configs.delete(configs.keys().next().value as string);
      config = jobEngineConfig(base, options, bodyMemoryBytes);
      configs.set(key, config);
    }
    return config;
  };
}

/** Checks a manifest URI against the limits: an `s3://` URL in the deployment's bucket under {@link MANIFEST_PREFIX}. */
export function manifestReason(bucket: string, key: string, limits: JobLimits): string | undefined {
  if (bucket !== limits.manifestBucket || !key.startsWith(MANIFEST_PREFIX) || key.length === MANIFEST_PREFIX.length) {
    return `must name an object under s3://${limits.manifestBucket}/${MANIFEST_PREFIX}`;
  }
  return undefined;
}

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_CHARS = 2048;

/**
 * Checks a job's `webhook`: an http(s) URL the network guard would let through (an IP
 * literal in a blocked range is refused here; a name is checked again, address by
 * address, when the webhook is sent), on a deployment that can sign it.
 */
export function webhookReason(value: unknown, limits: JobLimits, guard: { checkUrl(url: URL): void }): string | undefined {
  if (!limits.webhooks) return 'this deployment has no webhook signing secret (FANOUT_WEBHOOK_SECRET_PARAM)';
  if (typeof value !== 'string' || value.length > MAX_WEBHOOK_CHARS)
    return `must be an http(s) URL of at most ${MAX_WEBHOOK_CHARS} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  try {
    guard.checkUrl(url);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}
