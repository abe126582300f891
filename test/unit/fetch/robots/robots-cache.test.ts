import { ROBOTS_UNREACHABLE_MAX_TTL_MS, ROBOTS_UNREACHABLE_TTL_MS, RobotsCache } from '../../../../src/fetch/robots/robots-cache';
import { robotsPolicyFrom } from '../../../../src/fetch/robots/robots';

const policy = (host: string) => robotsPolicyFrom({ url: `http://${host}/robots.txt`, status: 404, body: null }, 'fanout/0.1');
const unreachable = (host: string) => robotsPolicyFrom({ url: `http://${host}/robots.txt`, status: null, body: null }, 'fanout/0.1');
const A = 'http://a.test/robots.txt';

describe('RobotsCache', () => {
  it('keeps a policy for a day, no longer (RFC 9309 §2.4)', () => {
    let now = 0;
    const cache = new RobotsCache(10, 24 * 3600 * 1000, () => now);
    cache.set('http://a.test/robots.txt', policy('a.test'));
    now = 24 * 3600 * 1000 - 1;
    expect(cache.get('http://a.test/robots.txt')?.robotsUrl).toBe('http://a.test/robots.txt');
    now += 1;
    expect(cache.get('http://a.test/robots.txt')).toBeUndefined();
  });

  it('forgets the least recently used policy past its size', () => {
    const cache = new RobotsCache(2);
    cache.set('http://a.test/robots.txt', policy('a.test'));
    cache.set('http://b.test/robots.txt', policy('b.test'));
    cache.get('http://a.test/robots.txt');
    cache.set('http://c.test/robots.txt', policy('c.test'));
    expect(cache.get('http://b.test/robots.txt')).toBeUndefined();
    expect(cache.get('http://a.test/robots.txt')).toBeDefined();
    expect(cache.get('http://c.test/robots.txt')).toBeDefined();
  });

  it('keeps an unreachable answer for minutes, not a day', () => {
    let now = 0;
    const cache = new RobotsCache(10, 24 * 3600 * 1000, () => now);
    cache.set(A, unreachable('a.test'));
    expect(ROBOTS_UNREACHABLE_TTL_MS).toBeLessThanOrEqual(5 * 60_000);
    now = ROBOTS_UNREACHABLE_TTL_MS - 1;
    expect(cache.get(A)?.basis).toBe('unreachable');
    now += 1;
    expect(cache.get(A)).toBeUndefined();
  });

  it('backs off: each unreachable answer in a row is kept twice as long, up to a cap; an answer resets it', () => {
    let now = 0;
    const cache = new RobotsCache(10, 24 * 3600 * 1000, () => now);
    const kept: number[] = [];
    for (let i = 0; i < 8; i++) {
      const from = now;
      cache.set(A, unreachable('a.test'));
      while (cache.get(A) !== undefined) now += 1000;
      kept.push(now - from);
    }
    expect(kept.slice(0, 3)).toEqual([ROBOTS_UNREACHABLE_TTL_MS, 2 * ROBOTS_UNREACHABLE_TTL_MS, 4 * ROBOTS_UNREACHABLE_TTL_MS]);
    expect(kept.at(-1)).toBe(ROBOTS_UNREACHABLE_MAX_TTL_MS);
    cache.set(A, policy('a.test'));
    now += 25 * 3600 * 1000;
    cache.set(A, unreachable('a.test'));
    now += ROBOTS_UNREACHABLE_TTL_MS;
    expect(cache.get(A)).toBeUndefined();
  });
});
