/**
 * IP literal parsing for the network guard, in every notation URLs and inet_aton
 * accept. Pure arithmetic, no sockets: IPv4 is an unsigned 32-bit number, IPv6
 * eight 16-bit groups. The ranges live in ip-ranges.ts.
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
export function parseIpv4(s: string): number | null {
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
export function parseIpv6(s: string): number[] | null {
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
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** An unsigned 32-bit IPv4 number as a dotted quad. */
export function formatIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Strips `[...]` and a zone id (`%eth0`, `%25eth0`): the zone only picks an interface. */
export function bareIpv6(s: string): string | null {
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
