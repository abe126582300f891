import { RobotsCache } from '../../../../src/fetch/robots/robots-cache';
import { robotsPolicyFrom } from '../../../../src/fetch/robots/robots';

const policy = (host: string) => robotsPolicyFrom({ url: `http://${host}/robots.txt`, status: 404, body: null }, 'fanout/0.1');

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
});
