import { resolveEngineConfig, type EngineConfig, type EngineConfigInput } from '../config/engine-config';
import type { JobOptions } from './messages';

/** Job option name → engine config key. `storeBodies` asks the engine for the bytes. */
export const JOB_OPTION_KEYS = {
  concurrency: 'concurrency',
  perHost: 'perHost',
  timeoutMs: 'timeoutMs',
  retries: 'retries',
  maxBytes: 'maxBytes',
  storeBodies: 'keepBodies',
} as const satisfies Record<string, keyof EngineConfig>;

/** A job option's name. */
export type JobOptionName = keyof typeof JOB_OPTION_KEYS;

/** The engine config for one job: the deployment's base with the job's options over it. */
export function jobEngineConfig(base: EngineConfig, options: JobOptions): EngineConfig {
  const input: EngineConfigInput = { ...base };
  for (const [name, key] of Object.entries(JOB_OPTION_KEYS)) {
    const value = options[name];
    if (value !== undefined) input[key] = value;
  }
  // A job may lower the fleet's per-process limits but never raise them.
  input.concurrency = Math.min(base.concurrency, Number(input.concurrency));
  input.perHost = Math.min(base.perHost, Number(input.perHost));
  return resolveEngineConfig(input, (key) => `options.${key}`);
}

/**
 * Returns the run config for a job's options, resolved once per distinct options: the
 * consumer has ONE engine (one connection pool) and passes this per run.
 *
 * @example
 * const configFor = createJobConfigs(config.engine); // module scope
 * await engine.run(urls, { config: configFor(msg.options), onResult, deadline });
 */
export function createJobConfigs(base: EngineConfig, maxEntries = 64): (options: JobOptions) => EngineConfig {
  const configs = new Map<string, EngineConfig>();
  return (options) => {
    const key = JSON.stringify(Object.keys(JOB_OPTION_KEYS).map((name) => options[name] ?? null));
    let config = configs.get(key);
    if (config === undefined) {
      // Bounded: forget the oldest entry (it is cheap to resolve again).
      if (configs.size >= maxEntries) configs.delete(configs.keys().next().value as string);
      config = jobEngineConfig(base, options);
      configs.set(key, config);
    }
    return config;
  };
}
