import { randomUUID } from 'node:crypto';
import { allResults, api, countByLine, waitForJob } from './e2e-client';
import { startTargetServer, type TargetServer } from './target-server';

let target: TargetServer;

beforeAll(async () => {
  target = await startTargetServer();
});

afterAll(async () => {
  await target.close();
});

describe('the local pipeline: Idempotency-Key', () => {
  it('answers every repeat of a keyed submit with one job, fetched once, and refuses the key for another list', async () => {
    const key = randomUUID();
    const token = randomUUID();
    const urls = Array.from({ length: 30 }, (_, i) => `${target.origin}/ok/${token}/${i}`);
    const body = JSON.stringify({ urls });
    const post = (payload: string) => api('POST', '/jobs', { body: payload, headers: { 'Idempotency-Key': key } });

    // A client that could not see its answer sends the same request again, even at once.
    const answers = await Promise.all([post(body), post(body), post(body)]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    const jobId = answers[0]?.body.jobId as string;
    expect(new Set(answers.map((a) => a.body.jobId))).toEqual(new Set([jobId]));

    const other = await post(JSON.stringify({ urls: [`${target.origin}/ok/${token}/other`] }));
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_MISMATCH');

    const status = await waitForJob(jobId, 60_000);
    expect(status).toMatchObject({ state: 'done', total: 30, succeeded: 30 });
    const items = await allResults(jobId);
    expect(items).toHaveLength(30);
    expect([...countByLine(items).values()].every((n) => n === 1)).toBe(true);
    // The refused request fetched nothing.
    expect(target.requests.get(`/ok/${token}/other`)).toBeUndefined();
  }, 90_000);
});
