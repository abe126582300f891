import { resolveEngineConfig } from '../../../src/config/engine-config';
import { ConfigError } from '../../../src/errors';
import { createJobConfigs, jobEngineConfig } from '../../../src/jobs/job-engines';

const base = resolveEngineConfig({ concurrency: 50, perHost: 4, allowNet: ['127.0.0.1'] });

describe('jobEngineConfig', () => {
  it('lays the job options over the base config', () => {
    const config = jobEngineConfig(base, { retries: 0, timeoutMs: 1500, maxBytes: 10, storeBodies: true });
    expect(config).toMatchObject({ retries: 0, timeoutMs: 1500, maxBytes: 10, keepBodies: true, allowNet: ['127.0.0.1'] });
  });

  it('lets a job lower the concurrency limits but not raise them', () => {
    expect(jobEngineConfig(base, { concurrency: 10, perHost: 100 })).toMatchObject({ concurrency: 10, perHost: 4 });
  });

  it('names the option in the error for a bad value', () => {
    expect(() => jobEngineConfig(base, { retries: -1 })).toThrow(ConfigError);
    expect(() => jobEngineConfig(base, { retries: -1 })).toThrow('options.retries');
  });
});

describe('createJobConfigs', () => {
  it('resolves each distinct options once and reuses the result', () => {
    const configFor = createJobConfigs(base);
    const a = configFor({ retries: 1 });
    expect(configFor({ retries: 1 })).toBe(a);
    expect(configFor({})).not.toBe(a);
    expect(configFor({}).retries).toBe(base.retries);
  });

  it('keeps at most maxEntries and still answers for evicted options', () => {
    const configFor = createJobConfigs(base, 2);
    const first = configFor({ retries: 1 });
    configFor({ retries: 2 });
    configFor({ retries: 3 });
    const again = configFor({ retries: 1 });
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
