import { estimateCost, NO_USAGE, PRICES, sqsUnits } from '../../../../src/jobs/cost/job-cost';
import { UsageMeter } from '../../../../src/jobs/cost/usage-meter';
import { jobReport } from '../../../../src/report/job-report';
import { memoryConsumer } from '../../api/consumer-harness';
import { lambdaContext, sqsEvent } from '../../api/events';
import { FakeEngine, MemoryQueue, MemoryResults } from '../fakes';

const NOW = Date.UTC(2026, 10, 30);

describe('estimateCost', () => {
  it('prices each kind of usage and adds them up', () => {
    const cost = estimateCost({ ...NO_USAGE, lambdaGbSeconds: 100, sqsRequests: 1_000_000, dynamoWriteUnits: 2_000_000 });
    expect(cost.total).toBe(Math.round((100 * PRICES.lambdaGbSeconds + 0.4 + 1.25) * 100) / 100);
    expect(cost.items.find((i) => i.label === 'SQS requests')).toMatchObject({ amount: 0.4 });
    expect(cost.basis).toContain('us-east-1');
  });

  it('rounds the amounts it documents, and says what each quantity and price is of', () => {
    // Shares of a batch's invocation and requests add up to fractions with float noise.
    const usage = { ...NO_USAGE, lambdaGbSeconds: 1.184, invocations: 0.1 + 0.2 + 0.7, sqsRequests: 2.9999999999999996, events: 1 };
    const cost = estimateCost(usage);
    expect(JSON.stringify(cost.items[1])).toContain('"amount":2e-7,');
    expect(cost.total).toBe(Number(cost.total.toPrecision(2)));
    for (const item of cost.items) expect(item.amount).toBe(item.amount === 0 ? 0 : Number(item.amount.toPrecision(2)));
    const detail = (label: string): string | undefined => cost.items.find((i) => i.label === label)?.detail;
    expect(detail('Lambda duration')).toBe('1.184 GB-seconds at $13.3334 per million GB-seconds');
    expect(detail('Lambda requests')).toBe('1 request at $0.20 per million requests');
    expect(detail('SQS requests')).toBe('3 requests at $0.40 per million requests');
    expect(detail('S3 PUTs')).toBe('0 PUTs at $5.00 per million PUTs');
    // A list price is shown as listed, not rounded to cents.
    expect(detail('DynamoDB reads')).toBe('0 read units at $0.125 per million read units');
  });

  it('counts a message as one SQS request per 64 KiB started', () => {
    expect([sqsUnits(10), sqsUnits(64 * 1024), sqsUnits(64 * 1024 + 1)]).toEqual([1, 1, 2]);
  });
});

describe('UsageMeter', () => {
  it("counts the calls of the ports it wraps as one job's usage, and forgets them once taken", async () => {
    const meter = new UsageMeter();
    const queue = meter.metered(new MemoryQueue(), 'chunkQueue', 'j');
    const results = meter.metered(new MemoryResults(), 'results', 'j');
    await queue.sendAll([
      { id: 'a', body: 'x'.repeat(70 * 1024) },
      { id: 'b', body: 'y' },
    ]);
    await results.putDeliveryResults('j', 'c-000000', 'd', []);
    meter.add('j', 'dynamoWriteUnits', 3);
    expect(meter.take('j')).toMatchObject({ sqsRequests: 3, s3Puts: 1, dynamoWriteUnits: 3 });
    expect(meter.take('j')).toEqual(NO_USAGE);
  });
});

describe('a consumer with a meter', () => {
  it("adds each delivery's usage to its job: the calls, and its share of the invocation", async () => {
    const meter = new UsageMeter();
    const { handler, ledger, results } = await memoryConsumer(new FakeEngine(), { job: { chunks: 2, urls: 3 } }, { now: NOW, meter });
    const body = (index: number, lines: number[]) =>
      JSON.stringify({
        kind: 'chunk',
        jobId: 'job',
        group: 'c',
        index,
        generation: 0,
        options: {},
        urls: lines.map((line) => ({ url: `http://127.0.0.1/${line}`, line })),
      });
    await handler(sqsEvent([body(0, [1, 2]), body(1, [3])]), lambdaContext());
    const usage = await ledger.usage('job');
    expect(usage).toMatchObject({ s3Puts: 2, invocations: 1, sqsRequests: 2, events: 1 });
    expect(usage?.lambdaGbSeconds).toBeGreaterThan(0);
    const status = await ledger.getJob('job');
    expect(status?.cost?.total).toBeGreaterThan(0);
    // The job's report carries the same estimate.
    const report = await jobReport(ledger, results, 'job', { records: 10 });
    expect(report?.cost).toEqual(status?.cost);
  });
});
