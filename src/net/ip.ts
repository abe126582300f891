/**
 * IP literal parsing and special-purpose range classification for the network
 * guard. Pure arithmetic, no sockets: IPv4 is an unsigned 32-bit number, IPv6 eight
 * 16-bit groups. The ranges follow the IANA special-purpose address registries.
 */

/** An IP address in canonical text: dotted quad, or compressed lowercase IPv6 without brackets. */
export interface IpLiteral {
  readonly address: string;
  readonly family: 4 | 6;
}

const DOT = 46;
const COLON = 58;

/** Value of a digit of `radix`, or -1. */
function digit(code: number, radix: number): number {
  let value = -1;
  if (code >= 48 && code <= 57) value = code - 48;
  else if (radix === 16 && code >= 97 && code <= 102) value = code - 87;
  else if (radix === 16 && code >= 65 && code <= 70) value = code - 55;
  return value < radix ? value : -1;
}

/** One part of an inet_aton / WHATWG IPv4 address: `0x` hex, leading-zero octal, else decimal. */
function parsePart(s: string, start: number, end: number): number {
  if (start === end) return -1;
  let radix = 10;
  if (end - start >= 2 && s.charCodeAt(start) === 48 && (s.charCodeAt(start + 1) | 32) === 120) {
    radix = 16;
    start += 2; // `0x` alone is 0, as in the URL standard
  } else if (end - start >= 2 && s.charCodeAt(start) === 48) {
    radix = 8;
    start += 1;
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = digit(s.charCodeAt(i), radix);
    if (d < 0) return -1;
    value = value * radix + d;
    if (value > 0xffffffff) return -1; // also stops absurdly long digit strings early
  }
  return value;
}

/**
 * The URL standard's "ends in a number" test: a host whose last label is numeric
 * is an IPv4 address or nothing. Hostnames fail here at their last label, cheaply.
 */
function endsInNumber(s: string, end: number): boolean {
  const start = s.lastIndexOf('.', end - 1) + 1;
  if (start === end) return false;
  let allDigits = true;
  for (let i = start; i < end && allDigits; i++) allDigits = digit(s.charCodeAt(i), 10) >= 0;
  return allDigits || parsePart(s, start, end) >= 0;
}

/** IPv4 in any notation inet_aton and the URL standard accept, as an unsigned number; null otherwise. */
function parseIpv4(s: string): number | null {
  let end = s.length;
  if (end > 1 && s.charCodeAt(end - 1) === DOT) end--; // `127.0.0.1.` is the same address
  if (!endsInNumber(s, end)) return null;
  let value = 0;
  let parts = 0;
  let start = 0;
  while (start <= end) {
    let stop = s.indexOf('.', start);
    if (stop === -1 || stop > end) stop = end;
    const part = parsePart(s, start, stop);
    parts++;
    if (part < 0 || parts > 4) return null;
    if (stop === end) {
      // The last part fills every byte the earlier parts left: `127.1` is 127.0.0.1.
      if (part >= 256 ** (5 - parts)) return null;
      return value * 256 ** (5 - parts) + part;
    }
    if (part > 255) return null;
    value = value * 256 + part;
    start = stop + 1;
  }
  return null;
}

/** The strict dotted quad allowed at the end of an IPv6 address (decimal, no leading zeros). */
function parseDottedQuad(s: string, start: number): number | null {
  let value = 0;
  let parts = 0;
  let part = -1;
  for (let i = start; i <= s.length; i++) {
    const code = i < s.length ? s.charCodeAt(i) : DOT;
    if (code === DOT) {
      if (part < 0 || ++parts > 4) return null;
      value = value * 256 + part;
      part = -1;
    } else {
      const d = digit(code, 10);
      if (d < 0 || part === 0) return null; // part === 0 here means a leading zero
      part = part < 0 ? d : part * 10 + d;
      if (part > 255) return null;
    }
  }
  return parts === 4 ? value : null;
}

/** IPv6 text (no brackets, no zone) as eight groups; null when it is not IPv6. */
function parseIpv6(s: string): number[] | null {
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  const n = s.length;
  if (s.startsWith('::')) {
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (groups.length === 8) return null;
    const start = i;
    let value = 0;
    for (let d = digit(s.charCodeAt(i), 16); d >= 0 && i - start < 4; d = digit(s.charCodeAt(++i), 16)) {
      value = value * 16 + d;
    }
    if (i < n && s.charCodeAt(i) === DOT) {
      const v4 = groups.length <= 6 ? parseDottedQuad(s, start) : null;
      if (v4 === null) return null;
      groups.push(v4 >>> 16, v4 & 0xffff);
      break;
    }
    if (i === start) return null;
    groups.push(value);
    if (i === n) break;
    if (s.charCodeAt(i++) !== COLON || i === n) return null;
    if (s.charCodeAt(i) === COLON) {
      if (gap >= 0) return null;
      gap = groups.length;
      i++;
    }
  }
  if (gap < 0) return groups.length === 8 ? groups : null;
  if (groups.length > 7) return null;
  while (groups.length < 8) groups.splice(gap, 0, 0);
  return groups;
}

/** RFC 5952 text, as the URL standard writes it: lowercase, longest zero run (>= 2 groups) as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function formatIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Strips `[...]` and a zone id (`%eth0`, `%25eth0`): the zone only picks an interface. */
function bareIpv6(s: string): string | null {
  let text = s;
  if (text.charCodeAt(0) === 91) {
    if (text.charCodeAt(text.length - 1) !== 93) return null;
    text = text.slice(1, -1);
  }
  const zone = text.indexOf('%');
  return zone === -1 ? text : text.slice(0, zone);
}

/**
 * Parses an IP literal in any notation a URL or inet_aton accepts: dotted quad,
 * decimal `2130706433`, hex `0x7f000001`, octal `0177.0.0.1`, short `127.1`, mixed
 * `0x7f.1`; IPv6 with or without brackets, IPv4-mapped in either notation, zone id
 * stripped. Returns null for anything else, i.e. a hostname.
 *
 * @example
 * parseIpLiteral('0x7f.1') // { address: '127.0.0.1', family: 4 }
 * parseIpLiteral('[::FFFF:127.0.0.1]') // { address: '::ffff:7f00:1', family: 6 }
 */
export function parseIpLiteral(host: string): IpLiteral | null {
  if (host.length === 0) return null;
  if (host.charCodeAt(0) === 91 || host.includes(':')) {
    const bare = bareIpv6(host);
    const groups = bare === null ? null : parseIpv6(bare);
    return groups === null ? null : { address: formatIpv6(groups), family: 6 };
  }
  const v4 = parseIpv4(host);
  return v4 === null ? null : { address: formatIpv4(v4), family: 4 };
}

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
