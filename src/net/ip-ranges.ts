/**
 * Special-purpose address ranges (the IANA registries) and the verdict on one
 * address. Pure arithmetic over the numbers ip.ts parses.
 */
import { bareIpv6, formatIpv4, parseIpv4, parseIpv6 } from './ip';

/** A prefix as precomputed masks, so a lookup is a few ANDs per range. */
interface Range {
  readonly base: readonly number[];
  readonly mask: readonly number[];
  readonly reason: string;
}

/** `base` and `mask` in `width`-bit words (32 for IPv4, 16 for IPv6 groups). */
function range(base: readonly number[], prefix: number, width: number, reason: string): Range {
  const all = 2 ** width - 1;
  const mask = base.map((_, i) => {
    const bits = Math.min(Math.max(prefix - i * width, 0), width);
    return all - (2 ** (width - bits) - 1);
  });
  return { base: base.map((word, i) => (word & (mask[i] ?? 0)) >>> 0), mask, reason };
}

function inRange(words: readonly number[], { base, mask }: Range): boolean {
  for (let i = 0; i < mask.length; i++) {
    // Unsigned compare: `&` yields a signed 32-bit result.
    if (((words[i] ?? 0) & (mask[i] ?? 0)) >>> 0 !== base[i]) return false;
  }
  return true;
}

function range4(text: string, prefix: number, reason: string): Range {
  return range([parseIpv4(text) ?? 0], prefix, 32, reason);
}

function range6(text: string, prefix: number, reason = ''): Range {
  return range(parseIpv6(text) ?? [], prefix, 16, reason);
}

/** Most specific first: the first match names the range. */
const IPV4_RANGES: readonly Range[] = [
  range4('0.0.0.0', 32, 'unspecified'),
  range4('0.0.0.0', 8, 'this network (0.0.0.0/8)'),
  range4('10.0.0.0', 8, 'private (RFC 1918)'),
  range4('100.64.0.0', 10, 'carrier-grade NAT'),
  range4('127.0.0.0', 8, 'loopback'),
  range4('169.254.0.0', 16, 'link-local (cloud metadata)'),
  range4('172.16.0.0', 12, 'private (RFC 1918)'),
  range4('192.0.0.0', 24, 'IETF protocol assignments'),
  range4('192.0.2.0', 24, 'documentation'),
  range4('192.88.99.0', 24, '6to4 relay anycast (deprecated)'),
  range4('192.168.0.0', 16, 'private (RFC 1918)'),
  range4('198.18.0.0', 15, 'benchmarking'),
  range4('198.51.100.0', 24, 'documentation'),
  range4('203.0.113.0', 24, 'documentation'),
  range4('224.0.0.0', 4, 'multicast'),
  range4('255.255.255.255', 32, 'broadcast'),
  range4('240.0.0.0', 4, 'reserved'),
];

function ipv4Reason(v: number): string | null {
  for (let i = 0; i < IPV4_RANGES.length; i++) {
    const { base, mask, reason } = IPV4_RANGES[i] as Range;
    if ((v & (mask[0] ?? 0)) >>> 0 === base[0]) return reason;
  }
  return null;
}

/**
 * Prefixes whose low bits carry an IPv4 address, which is what really gets reached:
 * refused when that address is. A public one passes, except in the deprecated
 * IPv4-compatible form, which falls through to the table (and :: and ::1 with it).
 */
const EMBEDDED_IPV4: readonly { range: Range; at: number; label: string; publicPasses: boolean }[] = [
  { range: range6('::ffff:0:0', 96), at: 6, label: 'IPv4-mapped', publicPasses: true },
  { range: range6('64:ff9b::', 96), at: 6, label: 'NAT64', publicPasses: true },
  { range: range6('2002::', 16), at: 1, label: '6to4', publicPasses: true },
  { range: range6('::', 96), at: 6, label: 'IPv4-compatible', publicPasses: false },
];

const IPV6_RANGES: readonly Range[] = [
  range6('::', 128, 'unspecified'),
  range6('::1', 128, 'loopback'),
  range6('::', 96, 'reserved (IPv4-compatible, deprecated)'),
  range6('64:ff9b:1::', 48, 'NAT64 local-use'),
  range6('100::', 64, 'discard-only'),
  range6('2001::', 32, 'Teredo tunnel'),
  range6('2001:2::', 48, 'benchmarking'),
  range6('2001:db8::', 32, 'documentation'),
  range6('2001::', 23, 'IETF protocol assignments'),
  range6('3fff::', 20, 'documentation'),
  range6('fd00:ec2::254', 128, 'unique local (IPv6, AWS metadata)'),
  range6('fc00::', 7, 'unique local (IPv6)'),
  range6('fe80::', 10, 'link-local (IPv6)'),
  range6('fec0::', 10, 'site-local (IPv6, deprecated)'),
  range6('ff00::', 8, 'multicast'),
];

/** Only 2000::/3 is allocated for global unicast; everything else is special or unassigned. */
const GLOBAL_UNICAST = range6('2000::', 3);

function ipv6Reason(groups: readonly number[]): string | null {
  for (const { range: r, at, label, publicPasses } of EMBEDDED_IPV4) {
    if (!inRange(groups, r)) continue;
    const v4 = (groups[at] ?? 0) * 0x10000 + (groups[at + 1] ?? 0);
    const reason = v4 > 1 || publicPasses ? ipv4Reason(v4) : null;
    if (reason !== null) return `${reason} (${label} ${formatIpv4(v4)})`;
    if (publicPasses) return null;
  }
  for (let i = 0; i < IPV6_RANGES.length; i++) {
    const r = IPV6_RANGES[i] as Range;
    if (inRange(groups, r)) return r.reason;
  }
  return inRange(groups, GLOBAL_UNICAST) ? null : 'reserved (outside 2000::/3)';
}

/**
 * Why `address` must not be fetched, or null when it is a public unicast address.
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64 64:ff9b::/96, 6to4)
 * are judged by that IPv4 address. Text that is not an address of `family` is
 * refused too (fail closed).
 *
 * @example
 * blockedRange('169.254.169.254', 4) // 'link-local (cloud metadata)'
 * blockedRange('2606:4700::1111', 6) // null
 */
export function blockedRange(address: string, family: 4 | 6): string | null {
  if (family === 4) {
    const v4 = parseIpv4(address);
    return v4 === null ? 'not a valid IPv4 address' : ipv4Reason(v4);
  }
  const bare = bareIpv6(address);
  const groups = bare === null ? null : parseIpv6(bare);
  return groups === null ? 'not a valid IPv6 address' : ipv6Reason(groups);
}
