import { isIP } from 'node:net';
import { defaultDialer, type DialTarget, type Dialer } from '../../../src/net/dialer';
import type { Resolver } from '../../../src/net/dns-resolver';

/** Sockets a {@link loopbackOnlyDialer} opened: open now, the most open at once, and the hosts of those closed, in order. */
export interface SocketCounts {
  open: number;
  maxOpen: number;
  closed: string[];
}

/**
 * Network safety for tests: a dialer that connects to loopback only and records
 * (and refuses) every other address it is asked for. Even with a broken guard, a
 * test using it cannot send a packet off this machine; asserting `refused` is
 * empty proves the guard stopped the request before the dialer saw it. It also
 * counts the sockets it opened until they close (`sockets`).
 */
export function loopbackOnlyDialer(): {
  dial: Dialer;
  refused: DialTarget[];
  dialed: DialTarget[];
  sockets: SocketCounts;
} {
  const refused: DialTarget[] = [];
  const dialed: DialTarget[] = [];
  const sockets: SocketCounts = { open: 0, maxOpen: 0, closed: [] };
  const dial: Dialer = (target) => {
    if (!isLoopback(target.address)) {
      refused.push(target);
      throw new Error(`test dialer refused non-loopback address ${target.address}`);
    }
    dialed.push(target);
    const socket = defaultDialer(target);
    sockets.open++;
    sockets.maxOpen = Math.max(sockets.maxOpen, sockets.open);
    socket.once('close', () => {
      sockets.open--;
      sockets.closed.push(target.hostname);
    });
    return socket;
  };
  return { dial, refused, dialed, sockets };
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
