import { createHmac } from 'node:crypto';
import { BlockedAddressError } from '../../../src/errors';
import { announceEnd } from '../../../src/jobs/lifecycle/announce';
import type { JobEndedEvent } from '../../../src/jobs/ports';
import { deliverWebhook, signWebhook, WebhookError, type WebhookSender } from '../../../src/webhook/webhook';
import { memoryJobDeps } from '../jobs/fakes';

const NOW = Date.UTC(2026, 10, 30, 12);
const EVENT: JobEndedEvent = {
  id: 'j:done',
  jobId: 'j',
  state: 'done',
  total: 1,
  succeeded: 1,
  failed: 0,
  endedAt: new Date(NOW).toISOString(),
};
const NO_WAIT = { attempts: 3, baseDelayMs: 1, timeoutMs: 100, sleep: async () => undefined };

/** A sender that answers the given statuses (or throws the given errors) in turn, recording every POST. */
function sender(
  ...answers: (number | Error)[]
): WebhookSender & { posts: { url: string; body: string; headers: Record<string, string> }[] } {
  const posts: { url: string; body: string; headers: Record<string, string> }[] = [];
  return {
    posts,
    async post(url, body, headers) {
      posts.push({ url, body, headers: { ...headers } });
      const answer = answers.shift() ?? 200;
      if (answer instanceof Error) throw answer;
      return { status: answer };
    },
  };
}

describe('deliverWebhook', () => {
  it('signs the exact body with the secret and the time, so a receiver can verify it', async () => {
    const s = sender(200);
    await deliverWebhook(s, 'shh', 'https://hooks.test/x', EVENT, NO_WAIT, () => NOW);
    const [post] = s.posts;
    expect(JSON.parse(post?.body ?? '')).toEqual(EVENT);
    expect(post?.headers['x-fanout-event-id']).toBe('j:done');
    const t = Math.floor(NOW / 1000);
    const v1 = createHmac('sha256', 'shh').update(`${t}.${post?.body}`).digest('hex');
    expect(post?.headers['x-fanout-signature']).toBe(`t=${t},v1=${v1}`);
    expect(signWebhook('other', post?.body ?? '', t)).not.toBe(post?.headers['x-fanout-signature']);
  });

  it('tries again after a 5xx, a 429 or a network error, and stops at a success', async () => {
    const s = sender(503, new Error('ECONNRESET'), 200);
    await deliverWebhook(s, 'k', 'https://hooks.test/x', EVENT, NO_WAIT);
    expect(s.posts).toHaveLength(3);
  });

  it('gives up at once on a 4xx or a refused address, saying it cannot be retried', async () => {
    for (const answer of [404, new BlockedAddressError('10.0.0.1 is private')]) {
      const s = sender(answer);
      const error = await deliverWebhook(s, 'k', 'https://hooks.test/x', EVENT, NO_WAIT).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebhookError);
      expect((error as WebhookError).retryable).toBe(false);
      expect(s.posts).toHaveLength(1);
    }
    const error = await deliverWebhook(sender(500, 500, 500), 'k', 'https://hooks.test/x', EVENT, NO_WAIT).catch((e: unknown) => e);
    expect((error as WebhookError).retryable).toBe(true);
  });
});

describe('announceEnd with a webhook', () => {
  async function endedJob(webhook: string) {
    const d = memoryJobDeps({ urls: 10, bytes: 60_000 }, NOW);
    await d.ledger.createJob({ jobId: 'j', options: {}, source: 'urls', splitsTotal: 1, webhook, now: NOW });
    await d.ledger.registerGroup('j', { group: 'c', chunks: 1, urls: 1 }, NOW);
    await d.ledger.countChunk('j', { group: 'c', index: 0, generation: 0 }, { succeeded: 1, failed: 0 }, NOW);
    return d;
  }

  it('posts the event once, then marks the end announced', async () => {
    const d = await endedJob('https://hooks.test/x');
    const s = sender(200);
    await announceEnd({ ...d, webhooks: { sender: s, secret: async () => 'k', retry: NO_WAIT } }, 'j');
    await announceEnd({ ...d, webhooks: { sender: s, secret: async () => 'k', retry: NO_WAIT } }, 'j');
    expect(s.posts).toHaveLength(1);
    expect(d.events.published.map((e) => e.id)).toEqual(['j:done']);
  });

  it('throws a retryable failure so the delivery comes back, and records it on the last chance instead', async () => {
    const d = await endedJob('https://hooks.test/x');
    const failing = { sender: sender(500, 500, 500, 500, 500, 500), secret: async () => 'k', retry: NO_WAIT };
    await expect(announceEnd({ ...d, webhooks: failing }, 'j')).rejects.toBeInstanceOf(WebhookError);
    expect((await d.ledger.getJob('j'))?.webhookError).toBeUndefined();
    await announceEnd({ ...d, webhooks: failing }, 'j', true);
    expect(await d.ledger.getJob('j')).toMatchObject({
      state: 'done',
      webhook: 'https://hooks.test',
      webhookError: expect.stringContaining('HTTP 500'),
    });
    expect(await d.ledger.pendingAnnouncement('j', NOW)).toBeUndefined();
  });

  it('records a refused address on the job at once: the job is done, its message must not end in a DLQ', async () => {
    const d = await endedJob('https://hooks.test/x');
    const refused = {
      sender: sender(new BlockedAddressError('hooks.test resolves to 10.0.0.1, private')),
      secret: async () => 'k',
      retry: NO_WAIT,
    };
    await announceEnd({ ...d, webhooks: refused }, 'j');
    expect((await d.ledger.getJob('j'))?.webhookError).toContain('10.0.0.1');
  });

  it('records a signing secret that does not exist at once, never throwing it into the delivery', async () => {
    const d = await endedJob('https://hooks.test/x');
    const missing = Object.assign(new Error('ParameterNotFound'), { name: 'ParameterNotFound' });
    await announceEnd({ ...d, webhooks: { sender: sender(), secret: () => Promise.reject(missing), retry: NO_WAIT } }, 'j');
    expect((await d.ledger.getJob('j'))?.webhookError).toContain('signing secret');
    expect(await d.ledger.pendingAnnouncement('j', NOW)).toBeUndefined();
  });

  it('tries an unreadable secret again on a later delivery, and records it on the last chance instead of throwing', async () => {
    const d = await endedJob('https://hooks.test/x');
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const webhooks = { sender: sender(), secret: () => Promise.reject(throttled), retry: NO_WAIT };
    await expect(announceEnd({ ...d, webhooks }, 'j')).rejects.toBeInstanceOf(WebhookError);
    await announceEnd({ ...d, webhooks }, 'j', true);
    expect((await d.ledger.getJob('j'))?.webhookError).toContain('signing secret');
    expect(await d.ledger.pendingAnnouncement('j', NOW)).toBeUndefined();
  });

  it('shows the webhook as scheme and host only, in the status document and in the recorded error', async () => {
    const d = await endedJob('https://hooks.test:8443/t/TOKEN?key=TOKEN');
    await announceEnd({ ...d, webhooks: { sender: sender(404), secret: async () => 'k', retry: NO_WAIT } }, 'j');
    const status = await d.ledger.getJob('j');
    expect(status).toMatchObject({ webhook: 'https://hooks.test:8443', webhookError: expect.stringContaining('https://hooks.test:8443') });
    expect(JSON.stringify(status)).not.toContain('TOKEN');
  });
});

describe('deliverWebhook within the invocation', () => {
  it('never starts an attempt or a wait the invocation has no time for, and cuts each attempt to what is left', async () => {
    let now = NOW;
    const timeouts: number[] = [];
    const slow: WebhookSender = {
      async post(_url, _body, _headers, timeoutMs) {
        timeouts.push(timeoutMs);
        now += timeoutMs;
        throw Object.assign(new Error('timed out'), { code: 'UND_ERR_ABORTED' });
      },
    };
    const retry = { attempts: 3, baseDelayMs: 1000, timeoutMs: 5000, sleep: async (ms: number) => void (now += ms) };
    const until = NOW + 8000;
    const error = await deliverWebhook(slow, 'k', 'https://hooks.test/x', EVENT, retry, () => now, until).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as WebhookError).retryable).toBe(true);
    expect(now).toBeLessThanOrEqual(until);
    expect(timeouts[0]).toBe(5000);
    expect(timeouts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(8000);
  });
});
