import { BadUrlError, BlockedAddressError, ConfigError } from '../errors';
import { parseIpLiteral } from './ip';
import { blockedRange } from './ip-ranges';

/**
 * SSRF protection. Two checks, because an IP-literal URL never reaches a DNS
 * lookup: {@link NetworkGuard.checkUrl} before each request and redirect hop, and
 * {@link NetworkGuard.checkAddress} on every address a hostname resolves to, at
 * connect time. The allowlist is for tests and deliberate internal fetches.
 */
export interface NetworkGuard {
  /**
   * Pre-flight check of a URL (per request and per redirect hop). Throws
   * {@link BadUrlError} unless the scheme is `http:` or `https:`; throws
   * {@link BlockedAddressError} for `localhost`, `*.localhost` and IP literals in a
   * blocked range, unless host[:port] is allowlisted. Other hostnames pass: they are
   * checked when they resolve.
   */
  checkUrl(url: URL): void;
  /**
   * True when `hostname` (as in `URL.hostname`, IPv6 in brackets) and the effective
   * `port` match an allowlist entry: `host` allows every port, `host:port` that port
   * only. Case-insensitive; IP literals compare by address, so `[0:0::1]` matches `[::1]`.
   */
  isAllowed(hostname: string, port: number): boolean;
  /**
   * Connect-time check of one resolved address (no brackets). Throws
   * {@link BlockedAddressError} naming the address and the range, e.g.
   * "169.254.169.254 is link-local (cloud metadata)". It does not consult the
   * allowlist: callers skip it when {@link NetworkGuard.isAllowed} said yes.
   */
  checkAddress(address: string, family: 4 | 6): void;
  /**
   * What {@link NetworkGuard.checkAddress} would throw, as its message ("10.0.0.7 is
   * private (RFC 1918)"), or null when the address passes. For callers that keep
   * the verdict and build the error only when it is used.
   */
  addressRefusal(address: string, family: 4 | 6): string | null;
}

/** Every port of the host is allowed. */
const ANY_PORT = 'any';

type PortRule = typeof ANY_PORT | Set<number>;

/** The key a host is filed under: lowercase, IP literals canonical, IPv6 in brackets. */
function hostKey(host: string): string {
  const ip = parseIpLiteral(host);
  if (ip === null) return host.toLowerCase();
  return ip.family === 6 ? `[${ip.address}]` : ip.address;
}

function parseAllowlist(allowNet: readonly string[]): Map<string, PortRule> {
  const rules = new Map<string, PortRule>();
  for (const raw of allowNet) {
    const entry = raw.trim();
    // The port separator is the first colon after the brackets of an IPv6 host.
    const close = entry.startsWith('[') ? entry.indexOf(']') : -1;
    const colon = entry.indexOf(':', close + 1);
    const host = colon === -1 ? entry : entry.slice(0, colon);
    const portText = colon === -1 ? undefined : entry.slice(colon + 1);
    const port = Number(portText);
    const badPort = portText !== undefined && (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535);
    if (host === '' || badPort || (entry.startsWith('[') && close !== host.length - 1)) {
      throw new ConfigError(`Expected \`allowNet\` entries to be host[:port], got \`${raw}\``);
    }
    const key = hostKey(host);
    const rule = rules.get(key);
    if (portText === undefined) rules.set(key, ANY_PORT);
    else if (rule === undefined) rules.set(key, new Set([port]));
    else if (rule !== ANY_PORT) rule.add(port);
  }
  return rules;
}

/** `localhost` and `*.localhost` (RFC 6761), with or without the root dot: loopback by definition. */
export function isLocalhostName(hostname: string): boolean {
  const end = hostname.endsWith('.') ? hostname.length - 1 : hostname.length;
  const start = end - 'localhost'.length;
  return start >= 0 && hostname.startsWith('localhost', start) && (start === 0 || hostname.charCodeAt(start - 1) === 46);
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/**
 * Builds the guard for a validated `allowNet` list (entries `host`, `host:port`,
 * `[v6]`, `[v6]:port`).
 *
 * @example
 * const guard = createNetworkGuard(['127.0.0.1:8080']);
 * guard.checkUrl(new URL('http://127.0.0.1:8080/')); // passes
 * guard.checkUrl(new URL('http://127.0.0.1:9090/')); // throws BlockedAddressError
 */
export function createNetworkGuard(allowNet: readonly string[]): NetworkGuard {
  const rules = parseAllowlist(allowNet);

  function isAllowed(hostname: string, port: number): boolean {
    if (rules.size === 0) return false;
    const rule = rules.get(hostname) ?? rules.get(hostKey(hostname));
    return rule === ANY_PORT || (rule !== undefined && rule.has(port));
  }

  function addressRefusal(address: string, family: 4 | 6): string | null {
    const reason = blockedRange(address, family);
    return reason === null ? null : `${address} is ${reason}`;
  }

  function checkAddress(address: string, family: 4 | 6): void {
    const refusal = addressRefusal(address, family);
    if (refusal !== null) throw new BlockedAddressError(refusal);
  }

  function checkUrl(url: URL): void {
    const { protocol, hostname } = url;
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new BadUrlError(`Unsupported scheme \`${protocol}\`: only http: and https: are fetched`);
    }
    if (hostname === '') throw new BadUrlError('The URL has no host');
    if (rules.size > 0 && isAllowed(hostname, url.port === '' ? defaultPort(protocol) : Number(url.port))) {
      return;
    }
    // URL.hostname is already lowercase; other callers may not have normalised it.
    const host = hostname.toLowerCase();
    if (isLocalhostName(host)) throw new BlockedAddressError(`${hostname} is loopback (localhost)`);
    const ip = parseIpLiteral(host);
    if (ip === null) return;
    const reason = blockedRange(ip.address, ip.family);
    if (reason === null) return;
    const shown = ip.family === 6 ? `[${ip.address}]` : ip.address;
    throw new BlockedAddressError(shown === hostname ? `${hostname} is ${reason}` : `${hostname} (${shown}) is ${reason}`);
  }

  return { checkUrl, isAllowed, checkAddress, addressRefusal };
}
