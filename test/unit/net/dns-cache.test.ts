import type { ResolvedAddress } from '../../../src/net/dns-resolver';
import { DnsCache, toDnsError } from '../../../src/net/dns-cache';
import { createNetworkGuard } from '../../../src/net/guard';

/** A resolver answering from `table`, counting calls, each answer after `delayMs`. */
function countingResolver(table: Record<string, readonly ResolvedAddress[] | Error>, delayMs = 5) {
  const calls: string[] = [];
  const resolve = (hostname: string): Promise<readonly ResolvedAddress[]> => {
    calls.push(hostname);
    return new Promise((ok, fail) =>
      setTimeout(() => {
        const found = table[hostname];
        if (found instanceof Error) fail(found);
        else if (found === undefined) fail(Object.assign(new Error('no'), { code: 'ENOTFOUND' }));
        else ok(found);
      }, delayMs),
    );
  };
  return { resolve, calls };
}

const PUBLIC = [{ address: '93.184.216.34', family: 4 }] as const;

describe('DnsCache', () => {
  const guard = createNetworkGuard([]);

  it('runs one lookup per name however many callers ask at once, then answers from the cache', async () => {
    const { resolve, calls } = countingResolver({ 'a.test': PUBLIC });
    const cache = new DnsCache({ resolve, guard, timeoutMs: 1000 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => cache.lookup('a.test', 80)));
    expect(calls).toEqual(['a.test']);
    expect(answers.every((a) => a.ok && a.addresses[0]?.address === '93.184.216.34')).toBe(true);
    expect(cache.peek('a.test', 80)).toEqual({ ok: true, addresses: PUBLIC });
  });

  it('keeps an answer no longer than its TTL', async () => {
    const { resolve, calls } = countingResolver({ 'short.test': [{ address: '93.184.216.34', family: 4, ttl: 1 }] });
    const cache = new DnsCache({ resolve, guard, timeoutMs: 1000 });
    await cache.lookup('short.test', 80);
    expect(cache.peek('short.test', 80)).toBeDefined();
    await new Promise((r) => setTimeout(r, 1100));
    expect(cache.peek('short.test', 80)).toBeUndefined();
    await cache.lookup('short.test', 80);
    expect(calls).toEqual(['short.test', 'short.test']);
  });

  it('fails a lookup that takes too long with TIMEOUT_DNS and asks again next time', async () => {
    const { resolve, calls } = countingResolver({ 'slow.test': PUBLIC }, 200);
    const cache = new DnsCache({ resolve, guard, timeoutMs: 20 });
    const answer = await cache.lookup('slow.test', 80);
    expect(answer).toMatchObject({ ok: false, error: { code: 'TIMEOUT_DNS' } });
    await cache.lookup('slow.test', 80);
    expect(calls).toHaveLength(2);
  });

  it('keeps the guard’s verdict with the answer: a blocked address refuses the name unless host:port is allowed', async () => {
    const table = { 'inner.test': [{ address: '10.0.0.5', family: 4 }] } as const;
    const refused = await new DnsCache({ resolve: countingResolver(table).resolve, guard, timeoutMs: 1000 }).lookup('inner.test', 80);
    expect(refused).toMatchObject({ ok: false, error: { code: 'BLOCKED_ADDRESS', message: '10.0.0.5 is private (RFC 1918)' } });
    const allowing = new DnsCache({
      resolve: countingResolver(table).resolve,
      guard: createNetworkGuard(['inner.test:8080']),
      timeoutMs: 1000,
    });
    expect(await allowing.lookup('inner.test', 8080)).toMatchObject({ ok: true });
    expect(allowing.peek('inner.test', 80)).toMatchObject({ ok: false, error: { code: 'BLOCKED_ADDRESS' } });
  });

  it('answers IP literals at once, without the resolver', () => {
    const { resolve, calls } = countingResolver({});
    const cache = new DnsCache({ resolve, guard, timeoutMs: 1000 });
    expect(cache.peek('[::1]', 80)).toEqual({ ok: true, addresses: [{ address: '::1', family: 6 }] });
    expect(calls).toEqual([]);
  });
});

describe('toDnsError', () => {
  it.each(['ETIMEOUT', 'EAI_AGAIN', 'ESERVFAIL', 'ECONNREFUSED'])('makes %s a temporary TIMEOUT_DNS', (code) => {
    expect(toDnsError(Object.assign(new Error(code), { code }), 'x.test').code).toBe('TIMEOUT_DNS');
  });

  it.each(['ENOTFOUND', 'ENODATA', 'EAI_NONAME'])('makes %s a final DNS error', (code) => {
    expect(toDnsError(Object.assign(new Error(code), { code }), 'x.test').code).toBe('DNS');
  });
});
