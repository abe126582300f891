import { isIP } from 'node:net';
import { defaultDialer, type DialTarget, type Dialer } from '../../../src/net/dialer';
import type { Resolver } from '../../../src/net/dns-resolver';

/**
 * Network safety for tests: a dialer that connects to loopback only and records
 * (and refuses) every other address it is asked for. Even with a broken guard, a
 * test using it cannot send a packet off this machine; asserting `refused` is
 * empty proves the guard stopped the request before the dialer saw it.
 */
export function loopbackOnlyDialer(): { dial: Dialer; refused: DialTarget[]; dialed: DialTarget[] } {
  const refused: DialTarget[] = [];
  const dialed: DialTarget[] = [];
  const dial: Dialer = (target) => {
    if (!isLoopback(target.address)) {
      refused.push(target);
      throw new Error(`test dialer refused non-loopback address ${target.address}`);
    }
    dialed.push(target);
    return defaultDialer(target);
  };
  return { dial, refused, dialed };
}

function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

/**
 * A resolver with fixed answers, so tests never touch real DNS. Names not in the
 * table fail like an unknown host.
 */
export function fakeResolver(table: Record<string, readonly string[]>): Resolver {
  return async (hostname) => {
    const found = table[hostname];
    if (found === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    return found.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }) as const);
  };
}
