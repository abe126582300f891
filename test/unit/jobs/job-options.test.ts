import { resolveEngineConfig } from '../../../src/config/engine-config';
import { ConfigError } from '../../../src/errors';
import { createJobConfigs, jobEngineConfig } from '../../../src/jobs/job-options';

const BODIES = 256 * 1024 * 1024;

const base = resolveEngineConfig({ concurrency: 50, perHost: 4, allowNet: ['127.0.0.1'] });

describe('jobEngineConfig', () => {
  it('lays the job options over the base config', () => {
    const config = jobEngineConfig(base, { retries: 0, timeoutMs: 1500, maxBytes: 10, storeBodies: true }, BODIES);
    expect(config).toMatchObject({ retries: 0, timeoutMs: 1500, maxBytes: 10, keepBodies: true, allowNet: ['127.0.0.1'] });
  });

  it('lets a job lower every limit but raise none, even in a message that never passed the API', () => {
    expect(jobEngineConfig(base, { concurrency: 10, perHost: 100 }, BODIES)).toMatchObject({ concurrency: 10, perHost: 4 });
    expect(jobEngineConfig(base, { timeoutMs: 900_000, retries: 20, maxBytes: 2 ** 30 }, BODIES)).toMatchObject({
      timeoutMs: base.timeoutMs,
      retries: base.retries,
      maxBytes: base.maxBytes,
    });
  });

  it('holds the politeness limits to the deployment, even in a message that never passed the API', () => {
    const polite = resolveEngineConfig({ hostRate: 10, rate: null, hostBurst: 4, maxHostWaitMs: 60_000, maxHostErrors: 30, robots: true });
    expect(
      jobEngineConfig(
        polite,
        { hostRate: 100, rate: '30/m', hostBurst: 9, maxHostWaitMs: 600_000, maxHostErrors: 0, robots: false },
        BODIES,
      ),
    ).toMatchObject({
      hostRate: 10,
      rate: 0.5,
      hostBurst: 4,
      maxHostWaitMs: 60_000,
      maxHostErrors: 30,
      robots: true,
    });
    expect(jobEngineConfig(polite, { hostRate: '2/s', hostBurst: 1, maxHostErrors: 3 }, BODIES)).toMatchObject({
      hostRate: 2,
      hostBurst: 1,
      maxHostErrors: 3,
    });
    expect(jobEngineConfig(polite, {}, BODIES)).toMatchObject({ hostRate: 10, rate: null, robots: true });
    const open = resolveEngineConfig({ maxHostErrors: 0 });
    expect(jobEngineConfig(open, { hostRate: 5, maxHostErrors: 7, robots: true }, BODIES)).toMatchObject({
      hostRate: 5,
      maxHostErrors: 7,
      robots: true,
    });
  });

  it('holds a storeBodies job within the body memory budget: maxBytes x concurrency <= budget', () => {
    const big = resolveEngineConfig({ concurrency: 64, maxBytes: 2 ** 30 });
    const config = jobEngineConfig(big, { storeBodies: true }, 64 * 1024 * 1024);
    expect(config.maxBytes).toBe(64 * 1024 * 1024);
    expect(config.concurrency).toBe(1);
    const small = jobEngineConfig(big, { storeBodies: true, maxBytes: 1024 * 1024 }, 64 * 1024 * 1024);
    expect(small.concurrency * small.maxBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(small.concurrency).toBe(64);
  });

  it('names the option in the error for a bad value', () => {
    expect(() => jobEngineConfig(base, { retries: -1 }, BODIES)).toThrow(ConfigError);
    expect(() => jobEngineConfig(base, { retries: -1 }, BODIES)).toThrow('options.retries');
  });
});

describe('createJobConfigs', () => {
  it('resolves each distinct options once and reuses the result', () => {
    const configFor = createJobConfigs(base, BODIES);
    const a = configFor({ retries: 1 });
    expect(configFor({ retries: 1 })).toBe(a);
    expect(configFor({})).not.toBe(a);
    expect(configFor({}).retries).toBe(base.retries);
  });

  it('tells jobs apart by their politeness options', () => {
    const configFor = createJobConfigs(base, BODIES);
    expect(configFor({ hostRate: 1 }).hostRate).toBe(1);
    expect(configFor({ hostRate: 2 }).hostRate).toBe(2);
    expect(configFor({ rate: 3 }).rate).toBe(3);
    expect(configFor({ robots: true }).robots).toBe(true);
  });

  it('keeps at most maxEntries and still answers for evicted options', () => {
    const configFor = createJobConfigs(base, BODIES, 2);
    const first = configFor({ retries: 1 });
    configFor({ retries: 2 });
    configFor({ retries: 3 });
    const again = configFor({ retries: 1 });
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
