import { MAX_INLINE_URLS, validateJob } from '../../../src/api/validate-job';
import { resolveEngineConfig } from '../../../src/config/engine-config';
import { ValidationError } from '../../../src/errors';
import type { JobLimits } from '../../../src/jobs/job-options';

/** A deployment whose engine allows at most 64 in flight, 8 per host, 30 s, 2 retries, 10 MiB. */
const LIMITS: JobLimits = {
  engine: resolveEngineConfig({ allowNet: ['127.0.0.1:9000'] }),
  manifestBucket: 'bucket',
  bodyMemoryBytes: 1 << 28,
  webhooks: true,
};

function details(body: unknown): { field: string; reason: string }[] {
  try {
    validateJob(body, LIMITS);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).details];
  }
  throw new Error('expected a ValidationError');
}

describe('validateJob', () => {
  it('accepts URLs with allowed options, leaving URL syntax to the engine', () => {
    expect(
      validateJob(
        {
          urls: ['http://127.0.0.1/', 'not a url'],
          options: { concurrency: 8, perHost: 2, timeoutMs: 5000, retries: 0, maxBytes: 1024, storeBodies: true },
        },
        LIMITS,
      ),
    ).toEqual({
      kind: 'urls',
      urls: ['http://127.0.0.1/', 'not a url'],
      options: { concurrency: 8, perHost: 2, timeoutMs: 5000, retries: 0, maxBytes: 1024, storeBodies: true },
    });
  });

  it('accepts a manifest', () => {
    expect(validateJob({ manifest: 's3://bucket/manifests/b.txt' }, LIMITS)).toEqual({
      kind: 'manifest',
      bucket: 'bucket',
      key: 'manifests/b.txt',
      options: {},
    });
  });

  it.each([
    [{ urls: 'http://127.0.0.1/' }, [{ field: 'urls', reason: 'must be an array of URL strings' }]],
    [{ urls: [] }, [{ field: 'urls', reason: 'must not be empty' }]],
    [{}, [{ field: 'urls', reason: 'must be an array of URL strings' }]],
    [{ urls: ['a'], extra: 1 }, [{ field: 'extra', reason: 'unknown field' }]],
    [{ urls: ['a'], manifest: 's3://bucket/k' }, [{ field: 'manifest', reason: 'give either urls or manifest, not both' }]],
    [{ manifest: 'https://bucket/k' }, [{ field: 'manifest', reason: 'must be an s3://bucket/key URL' }]],
    [{ urls: ['a'], options: [] }, [{ field: 'options', reason: 'must be an object' }]],
    [{ urls: ['a'], options: { storeBodies: 'yes' } }, [{ field: 'options.storeBodies', reason: 'must be true or false' }]],
    [
      { urls: ['a'], options: { retries: 1.5 } },
      [{ field: 'options.retries', reason: "must be an integer from 0 to 2 (this deployment's limit)" }],
    ],
    // A job may lower the deployment's limits, never raise them.
    [
      { urls: ['a'], options: { retries: 20 } },
      [{ field: 'options.retries', reason: "must be an integer from 0 to 2 (this deployment's limit)" }],
    ],
    [
      { urls: ['a'], options: { concurrency: 65 } },
      [{ field: 'options.concurrency', reason: "must be an integer from 1 to 64 (this deployment's limit)" }],
    ],
    [
      { urls: ['a'], options: { timeoutMs: 900_000 } },
      [{ field: 'options.timeoutMs', reason: "must be an integer from 1 to 30000 (this deployment's limit)" }],
    ],
    [
      { urls: ['a'], options: { maxBytes: 2 ** 30 } },
      [{ field: 'options.maxBytes', reason: "must be an integer from 0 to 10485760 (this deployment's limit)" }],
    ],
    [
      { urls: ['a'], webhook: 'http://169.254.169.254/hook' },
      [{ field: 'webhook', reason: '169.254.169.254 is link-local (cloud metadata)' }],
    ],
    [{ urls: ['a'], webhook: 'ftp://127.0.0.1:9000/' }, [{ field: 'webhook', reason: expect.stringContaining('http') }]],
    [{ urls: ['a'], webhook: 'not a url' }, [{ field: 'webhook', reason: 'must be an absolute http(s) URL' }]],
    [{ manifest: 's3://other-bucket/manifests/k' }, [{ field: 'manifest', reason: 'must name an object under s3://bucket/manifests/' }]],
    [{ manifest: 's3://bucket/results/k' }, [{ field: 'manifest', reason: 'must name an object under s3://bucket/manifests/' }]],
    [{ urls: ['a'], options: { userAgent: 'x' } }, [{ field: 'options.userAgent', reason: expect.stringContaining('unknown option') }]],
  ])('refuses %j', (body, want) => {
    expect(details(body)).toEqual(want);
  });

  describe('politeness options', () => {
    /** A deployment with limits of its own: 10/s per host, 100/s per job, bursts of 4, 1 min of throttling, robots.txt obeyed. */
    const POLITE: JobLimits = {
      ...LIMITS,
      engine: resolveEngineConfig({ hostRate: '10/s', rate: 100, hostBurst: 4, maxHostWaitMs: 60_000, robots: true }),
    };
    const refusal = (options: object, limits = POLITE): { field: string; reason: string }[] => {
      try {
        validateJob({ urls: ['a'], options }, limits);
      } catch (error) {
        return [...(error as ValidationError).details];
      }
      throw new Error('expected a ValidationError');
    };

    it('stores rates as numbers per second, so the consumer never parses one', () => {
      const accepted = validateJob(
        { urls: ['a'], options: { hostRate: '30/m', rate: '2.5/s', hostBurst: 2, maxHostWaitMs: 0, maxHostErrors: 5, robots: true } },
        POLITE,
      );
      expect(accepted.options).toEqual({ hostRate: 0.5, rate: 2.5, hostBurst: 2, maxHostWaitMs: 0, maxHostErrors: 5, robots: true });
      expect(validateJob({ urls: ['a'], options: { hostRate: 10 } }, POLITE).options).toEqual({ hostRate: 10 });
    });

    it('allows any valid rate where the deployment has none', () => {
      expect(validateJob({ urls: ['a'], options: { hostRate: '100000/s', rate: '1/h' } }, LIMITS).options).toEqual({
        hostRate: 100_000,
        rate: 1 / 3600,
      });
    });

    it.each<[object, { field: string; reason: string }]>([
      [{ hostRate: '11/s' }, { field: 'options.hostRate', reason: "must be at most 10/s (this deployment's limit)" }],
      [{ rate: 101 }, { field: 'options.rate', reason: "must be at most 100/s (this deployment's limit)" }],
      [
        { hostRate: 'fast' },
        { field: 'options.hostRate', reason: 'must be a rate such as 50/s, 30/m or 2/h, or a number per second, from 1/day to 10/s' },
      ],
      [
        { rate: 0 },
        { field: 'options.rate', reason: 'must be a rate such as 50/s, 30/m or 2/h, or a number per second, from 1/day to 100/s' },
      ],
      [{ rate: null }, { field: 'options.rate', reason: expect.stringContaining('must be a rate') }],
      [{ hostBurst: 5 }, { field: 'options.hostBurst', reason: "must be an integer from 1 to 4 (this deployment's limit)" }],
      [
        { maxHostWaitMs: 60_001 },
        { field: 'options.maxHostWaitMs', reason: "must be an integer from 0 to 60000 (this deployment's limit)" },
      ],
      [{ maxHostErrors: 31 }, { field: 'options.maxHostErrors', reason: "must be an integer from 1 to 30 (this deployment's limit)" }],
      // 0 turns the circuit breaker off: looser than the deployment's 30.
      [{ maxHostErrors: 0 }, { field: 'options.maxHostErrors', reason: "must be an integer from 1 to 30 (this deployment's limit)" }],
      [{ robots: false }, { field: 'options.robots', reason: 'must be true: this deployment obeys robots.txt' }],
      [{ robots: 'yes' }, { field: 'options.robots', reason: 'must be true or false' }],
    ])('refuses %j past the deployment', (options, want) => {
      expect(refusal(options)).toEqual([want]);
    });

    it("lets a job turn the circuit breaker off, or robots.txt off, only where the deployment's is off", () => {
      const off: JobLimits = { ...LIMITS, engine: resolveEngineConfig({ maxHostErrors: 0 }) };
      expect(validateJob({ urls: ['a'], options: { maxHostErrors: 0, robots: false } }, off).options).toEqual({
        maxHostErrors: 0,
        robots: false,
      });
      expect(refusal({ maxHostErrors: 1_000_001 }, off)).toEqual([
        { field: 'options.maxHostErrors', reason: "must be an integer from 0 to 1000000 (this deployment's limit)" },
      ]);
    });
  });

  it('accepts a webhook the guard lets through, and only on a deployment that can sign it', () => {
    expect(validateJob({ urls: ['a'], webhook: 'http://127.0.0.1:9000/hook' }, LIMITS)).toMatchObject({
      webhook: 'http://127.0.0.1:9000/hook',
    });
    expect(() => validateJob({ urls: ['a'], webhook: 'http://127.0.0.1:9000/hook' }, { ...LIMITS, webhooks: false })).toThrow(
      ValidationError,
    );
  });

  it('refuses a body that is not an object', () => {
    expect(details([1])).toEqual([{ field: '(body)', reason: 'must be a JSON object' }]);
  });

  it('refuses more than the inline limit and points to manifests', () => {
    const urls = Array.from({ length: MAX_INLINE_URLS + 1 }, () => 'http://127.0.0.1/');
    expect(details({ urls })).toEqual([{ field: 'urls', reason: expect.stringContaining('submit a manifest') }]);
  });

  it('lists at most 20 details but counts them all', () => {
    try {
      validateJob({ urls: Array.from({ length: 50 }, () => 1) }, LIMITS);
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect((error as ValidationError).details).toHaveLength(20);
      expect((error as ValidationError).message).toBe('Invalid job: 50 problem(s) (first 20 of 50 shown)');
    }
  });

  it('builds no more than 20 details however many entries are wrong, and says how many there were (counted, not timed)', () => {
    const urls: number[] = Array.from({ length: 200_000 }, () => 0);
    const push = jest.spyOn(Array.prototype, 'push');
    let error: unknown;
    try {
      validateJob({ urls }, LIMITS);
    } catch (e) {
      error = e;
    }
    const pushes = push.mock.calls.length;
    push.mockRestore();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toHaveLength(20);
    expect((error as ValidationError).message).toBe('Invalid job: 200001 problem(s) (first 20 of 200001 shown)');
    expect(pushes).toBeLessThanOrEqual(20);
  });
});
