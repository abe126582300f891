import type { IncomingMessage } from 'node:http';
import { resolveEngineConfig, type EngineConfigInput } from '../../../src/config/engine-config';
import { createWebhookSender } from '../../../src/webhook/webhook-sender';
import { deliverWebhook, WEBHOOK_HEADERS } from '../../../src/webhook/webhook';
import type { JobEndedEvent } from '../../../src/jobs/ports';
import { startLoopbackDnsServer, type LoopbackDnsServer } from '../../support/loopback-dns-server';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { fakeResolver, loopbackOnlyDialer } from '../helpers/safe-network';

/** What the receiver saw of one POST. */
interface Received {
  readonly method: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * The webhook's guarded POST. Names are answered by a DNS server of the test's own on
 * 127.0.0.1 (`dnsServers`) or a fixed table; sockets go through the loopback-only
 * dialer, which records (and refuses) anything else, so nothing leaves the machine
 * even if the guard were broken.
 */
describe('createWebhookSender', () => {
  let receiver: LoopbackServer;
  let dns: LoopbackDnsServer;
  const received: Received[] = [];

  beforeAll(async () => {
    receiver = await startLoopbackServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.statusCode = 204;
        res.end();
      });
    });
    // hook.test is the receiver; the other names point where no webhook may go.
    dns = await startLoopbackDnsServer((name, type) => {
      if (type === 'AAAA') return { addresses: [] };
      if (name === 'hook.test' || name === 'rebound.test') return { addresses: ['127.0.0.1'] };
      if (name === 'metadata.test') return { addresses: ['169.254.169.254'] };
      if (name === 'mixed.test') return { addresses: ['127.0.0.1', '10.0.0.7'] };
      return 'nxdomain';
    });
  });
  afterAll(async () => {
    await receiver.close();
    await dns.close();
  });
  beforeEach(() => {
    received.length = 0;
  });

  function sender(config: EngineConfigInput, resolve?: ReturnType<typeof fakeResolver>) {
    const safe = loopbackOnlyDialer();
    const webhook = createWebhookSender(
      resolveEngineConfig({ dnsServers: [dns.address], dnsTimeoutMs: 2000, userAgent: 'fanout-test', ...config }),
      { dial: safe.dial, ...(resolve !== undefined && { resolve }) },
    );
    return { webhook, safe };
  }

  it('posts the body and headers to an allowed receiver whose name resolves to it', async () => {
    const { webhook, safe } = sender({ allowNet: [`hook.test:${receiver.port}`] });
    try {
      const answer = await webhook.post(
        `http://hook.test:${receiver.port}/fanout`,
        '{"id":"e1"}',
        { 'content-type': 'application/json', [WEBHOOK_HEADERS.EVENT_ID]: 'e1' },
        2000,
      );
      expect(answer).toEqual({ status: 204 });
    } finally {
      await webhook.close();
    }
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: 'POST',
      body: '{"id":"e1"}',
      headers: { 'content-type': 'application/json', 'x-fanout-event-id': 'e1', 'user-agent': 'fanout-test' },
    });
    expect(dns.queries.get('A hook.test')).toBe(1);
    expect(safe.dialed.map((t) => `${t.address}:${t.port}`)).toEqual([`127.0.0.1:${receiver.port}`]);
    expect(safe.refused).toEqual([]);
  });

  it.each([
    ['a name that resolves to the cloud metadata address', 'metadata.test'],
    ['a name that resolves to this machine without being allowlisted', 'rebound.test'],
    ['a name with one private address among its answers', 'mixed.test'],
  ])('refuses %s with BLOCKED_ADDRESS before any connection', async (_what, name) => {
    // Only the receiver's own name is allowed: the others must not ride on its address.
    const { webhook, safe } = sender({ allowNet: [`hook.test:${receiver.port}`] });
    const connectionsBefore = receiver.stats.connections;
    try {
      await expect(webhook.post(`http://${name}:${receiver.port}/fanout`, '{}', {}, 2000)).rejects.toMatchObject({
        code: 'BLOCKED_ADDRESS',
      });
    } finally {
      await webhook.close();
    }
    expect(dns.queries.get(`A ${name}`)).toBeGreaterThanOrEqual(1);
    expect(safe.dialed).toEqual([]);
    expect(safe.refused).toEqual([]);
    expect(receiver.stats.connections).toBe(connectionsBefore);
    expect(received).toEqual([]);
  });

  it('checks the addresses an injected resolver gives, as the engine does', async () => {
    const { webhook, safe } = sender({}, fakeResolver({ 'internal.test': ['192.168.1.20'] }));
    try {
      await expect(webhook.post('http://internal.test/fanout', '{}', {}, 2000)).rejects.toMatchObject({
        code: 'BLOCKED_ADDRESS',
      });
    } finally {
      await webhook.close();
    }
    expect(safe.dialed).toEqual([]);
    expect(safe.refused).toEqual([]);
  });

  it('refuses a blocked IP literal before resolving or dialling anything', async () => {
    const { webhook, safe } = sender({});
    const connectionsBefore = receiver.stats.connections;
    const queriesBefore = dns.total();
    try {
      await expect(webhook.post(`http://127.0.0.1:${receiver.port}/fanout`, '{}', {}, 2000)).rejects.toMatchObject({
        code: 'BLOCKED_ADDRESS',
      });
    } finally {
      await webhook.close();
    }
    expect(safe.dialed).toEqual([]);
    expect(dns.total()).toBe(queriesBefore);
    expect(receiver.stats.connections).toBe(connectionsBefore);
    expect(received).toEqual([]);
  });

  it('makes deliverWebhook give up after one try on a blocked address', async () => {
    const { webhook, safe } = sender({ allowNet: [`hook.test:${receiver.port}`] });
    const posts: string[] = [];
    const counting = {
      post: (url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number) => {
        posts.push(url);
        return webhook.post(url, body, headers, timeoutMs);
      },
    };
    const event = { id: 'evt-1' } as unknown as JobEndedEvent;
    try {
      await expect(
        deliverWebhook(counting, 'secret', `http://metadata.test:${receiver.port}/`, event, {
          attempts: 3,
          baseDelayMs: 1,
          timeoutMs: 2000,
        }),
      ).rejects.toMatchObject({ code: 'WEBHOOK', cause: { code: 'BLOCKED_ADDRESS' } });
    } finally {
      await webhook.close();
    }
    expect(posts).toHaveLength(1);
    expect(safe.dialed).toEqual([]);
    expect(safe.refused).toEqual([]);
  });
});
