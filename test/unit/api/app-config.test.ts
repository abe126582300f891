import { APP_DEFAULTS, loadAppConfig } from '../../../src/config/app-config';
import { ConfigError } from '../../../src/errors';

const base = {
  FANOUT_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/fanout-dev-chunks',
  FANOUT_SPLIT_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/fanout-dev-split',
  FANOUT_BUCKET: 'fanout-dev-results',
  FANOUT_TABLE: 'fanout-dev-jobs',
  FANOUT_EVENT_BUS: 'fanout-dev-events',
};

describe('loadAppConfig', () => {
  it('reads the environment into a frozen config with defaults', () => {
    const config = loadAppConfig(base);
    expect(Object.isFrozen(config)).toBe(true);
    expect(config).toMatchObject({
      queueUrl: base.FANOUT_QUEUE_URL,
      splitQueueUrl: base.FANOUT_SPLIT_QUEUE_URL,
      bucket: 'fanout-dev-results',
      table: 'fanout-dev-jobs',
      eventBus: 'fanout-dev-events',
      endpoints: {},
      chunkUrls: APP_DEFAULTS.chunkUrls,
      chunkBytes: APP_DEFAULTS.chunkBytes,
      deadlineMarginMs: APP_DEFAULTS.deadlineMarginMs,
      chunkMaxReceiveCount: 5,
      splitMaxReceiveCount: 5,
      bodyMemoryBytes: 256 * 1024 * 1024,
      faultInjection: false,
      logLevel: 'info',
    });
    expect(config.apiKey).toBeUndefined();
    // Lambda's memory size sets the body budget; the fault plans stay off unless the local stack asks for them.
    expect(
      loadAppConfig({ ...base, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048', FANOUT_FAULT_INJECTION: '1', FANOUT_LOCAL_STACK: '1' }),
    ).toMatchObject({
      bodyMemoryBytes: 512 * 1024 * 1024,
      faultInjection: true,
      ignored: [],
    });
    expect(() => loadAppConfig({ ...base, FANOUT_FAULT_INJECTION: 'yes' })).toThrow(
      'Expected `FANOUT_FAULT_INJECTION` to be 1 or 0, got `yes`',
    );
  });

  it('follows fault plans only when the local stack’s launcher says so, and never on AWS Lambda, saying why', () => {
    const local = { ...base, FANOUT_FAULT_INJECTION: '1', FANOUT_LOCAL_STACK: '1' };
    expect(loadAppConfig(local)).toMatchObject({ faultInjection: true, ignored: [] });
    // A deployed function (any stage, `dev` included) has the Lambda runtime's variables.
    for (const runtime of [{ AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001' }, { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' }]) {
      const config = loadAppConfig({ ...local, ...runtime });
      expect(config.faultInjection).toBe(false);
      expect(config.ignored).toEqual([expect.stringContaining('runs on AWS Lambda')]);
    }
    const unsaid = loadAppConfig({ ...base, FANOUT_FAULT_INJECTION: '1' });
    expect(unsaid.faultInjection).toBe(false);
    expect(unsaid.ignored).toEqual([expect.stringContaining('only the local stack')]);
  });

  it('reads endpoints, key, engine settings and chunk limits', () => {
    const config = loadAppConfig({
      ...base,
      FANOUT_SQS_ENDPOINT: 'http://127.0.0.1:4566/',
      FANOUT_S3_ENDPOINT: 'http://127.0.0.1:4566',
      FANOUT_DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
      FANOUT_API_KEY: 'k',
      FANOUT_ALLOW_NET: '127.0.0.1:8080, localhost',
      FANOUT_CONCURRENCY: '32',
      FANOUT_TIMEOUT_MS: '2000',
      FANOUT_CHUNK_URLS: '50',
      FANOUT_CHUNK_BYTES: '32000',
      FANOUT_DEADLINE_MARGIN_MS: '5000',
      FANOUT_PUBLIC_URL: 'http://127.0.0.1:3000/',
    });
    expect(config.endpoints).toEqual({ sqs: 'http://127.0.0.1:4566', s3: 'http://127.0.0.1:4566', dynamodb: 'http://127.0.0.1:4567' });
    expect(config.engine).toMatchObject({ concurrency: 32, timeoutMs: 2000, allowNet: ['127.0.0.1:8080', 'localhost'] });
    expect(config).toMatchObject({
      apiKey: 'k',
      chunkUrls: 50,
      chunkBytes: 32000,
      deadlineMarginMs: 5000,
      publicUrl: 'http://127.0.0.1:3000',
    });
  });

  it("reads the deployment's politeness limits, which jobs may tighten but not loosen", () => {
    const config = loadAppConfig({
      ...base,
      FANOUT_HOST_RATE: '30/m',
      FANOUT_RATE: '200/s',
      FANOUT_HOST_BURST: '3',
      FANOUT_MAX_HOST_WAIT_MS: '60000',
      FANOUT_MAX_HOST_ERRORS: '0',
      FANOUT_ROBOTS: '1',
    });
    expect(config.engine).toMatchObject({ hostRate: 0.5, rate: 200, hostBurst: 3, maxHostWaitMs: 60_000, maxHostErrors: 0, robots: true });
    expect(loadAppConfig(base).engine).toMatchObject({ hostRate: null, rate: null, robots: false });
  });

  it('takes the log level from POWERTOOLS_LOG_LEVEL before LOG_LEVEL, in any case', () => {
    expect(loadAppConfig({ ...base, LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
    expect(loadAppConfig({ ...base, POWERTOOLS_LOG_LEVEL: 'Debug', LOG_LEVEL: 'error' }).logLevel).toBe('debug');
  });

  it.each([
    [{ FANOUT_TABLE: '' }, 'Expected `FANOUT_TABLE` to be set, got ``'],
    [{ FANOUT_CHUNK_URLS: 'abc' }, 'Expected `FANOUT_CHUNK_URLS` to be an integer from 1 to 10000, got `abc`'],
    [{ FANOUT_CHUNK_BYTES: '2000000' }, 'Expected `FANOUT_CHUNK_BYTES` to be an integer from 1024 to 1000000, got `2000000`'],
    [{ FANOUT_SQS_ENDPOINT: 'ftp://x' }, 'Expected `FANOUT_SQS_ENDPOINT` to be an http(s) URL, got `ftp://x`'],
    [{ FANOUT_CONCURRENCY: '0' }, 'Expected `FANOUT_CONCURRENCY` to be an integer from 1 to 10000, got `0`'],
    [{ FANOUT_HOST_RATE: 'fast' }, 'Expected `FANOUT_HOST_RATE` to be a rate such as 50/s, 30/m or 0.5/s, got `fast`'],
    [{ FANOUT_HOST_BURST: '0' }, 'Expected `FANOUT_HOST_BURST` to be an integer from 1 to 10000, got `0`'],
    [{ LOG_LEVEL: 'verbose' }, 'Expected `LOG_LEVEL` to be one of trace, debug, info, warn, error, critical, silent, got `verbose`'],
  ])('names the key and the value of a bad setting: %j', (override, message) => {
    expect(() => loadAppConfig({ ...base, ...override })).toThrow(new ConfigError(message));
  });
});
