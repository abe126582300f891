import { isIP } from 'node:net';
import { ConfigError } from '../errors';
import { hasPemCertificate } from './ca-file';
import { defaultSocketBudget } from './fd-limit';
import { parseRate } from './rate';

/** Validated, frozen engine configuration: read once, passed everywhere. */
export interface EngineConfig {
  /** Requests in flight at most, across all hosts. */
  readonly concurrency: number;
  /** Requests in flight at most to one host (hostname:port). */
  readonly perHost: number;
  /** Requests started per second at most to one host (a token bucket); null for no limit. */
  readonly hostRate: number | null;
  /** Requests started per second at most in the whole run; null for no limit. */
  readonly rate: number | null;
  /** Tokens a host's bucket holds at most: requests that may start back to back after a quiet spell. */
  readonly hostBurst: number;
  /**
   * Longest a host may keep us waiting in total by throttling (429, 503, `Retry-After`):
   * past it, its remaining URLs get HOST_THROTTLED records.
   */
  readonly maxHostWaitMs: number;
  /**
   * Consecutive connection-level failures (DNS, connect, TLS, reset, timeouts) after
   * which a host's remaining URLs get HOST_UNAVAILABLE records untried; 0 turns it off.
   */
  readonly maxHostErrors: number;
  /** Fetch each host's robots.txt first: disallowed URLs get ROBOTS_DISALLOWED, `Crawl-delay` floors the host's rate. */
  readonly robots: boolean;
  /** Total time one attempt may take, redirect hops included. */
  readonly timeoutMs: number;
  /** Time to open a TCP (and TLS) connection, after the name has resolved. */
  readonly connectTimeoutMs: number;
  /** Time one DNS lookup may take (TIMEOUT_DNS past it). */
  readonly dnsTimeoutMs: number;
  /**
   * Name servers (`ip` or `ip:port`, IPv6 as `[ip]:port`) the engine's resolver
   * asks; empty for the system's (`/etc/resolv.conf`).
   */
  readonly dnsServers: readonly string[];
  /**
   * Sockets open at once at most, across every host. Idle kept-alive sockets are
   * closed, oldest first, when a new connection needs room. Default: from the
   * process's open-file limit, well under it (768 at 1,024).
   */
  readonly maxSockets: number;
  /** Time from writing the request until the response headers arrive. */
  readonly headersTimeoutMs: number;
  /** Longest silence between two body chunks. */
  readonly bodyTimeoutMs: number;
  /** Retries after the first attempt (so attempts <= retries + 1). */
  readonly retries: number;
  /** Base of the exponential backoff; each delay is drawn from [0, base * 2^n] (full jitter). */
  readonly retryBaseMs: number;
  /** Ceiling on one backoff delay, and on how long a `Retry-After` may make us wait. */
  readonly retryMaxDelayMs: number;
  /** HTTP statuses that are retried. */
  readonly retryStatuses: readonly number[];
  /** Decoded body bytes read at most; past it the result is TOO_LARGE. */
  readonly maxBytes: number;
  /** Redirect hops followed at most. */
  readonly maxRedirects: number;
  /** Compute sha256 of each body. */
  readonly hash: boolean;
  /** Hand each body's bytes to the caller (the pipeline stores them). */
  readonly keepBodies: boolean;
  /** Exact `host` or `host:port` entries the network guard lets through. */
  readonly allowNet: readonly string[];
  /**
   * PEM certificates of CAs to trust besides Node's default roots (an internal
   * CA), or null for the default roots alone. Read from a file by the CLI's `--ca`
   * and the pipeline's `FANOUT_CA_FILE` (see readCaFile in ca-file.ts).
   */
  readonly ca: string | null;
  /** Longest URL accepted, in characters. */
  readonly maxUrlLength: number;
  readonly userAgent: string;
}

/** What a caller may set; everything else takes its default. */
export type EngineConfigInput = { -readonly [K in keyof EngineConfig]?: unknown };

const DEFAULT_RETRY_STATUSES: readonly number[] = Object.freeze([
  408, 425, 429, 500, 502, 503, 504, 507, 508, 509, 520, 521, 522, 523, 524,
]);

/** Defaults, documented in docs/cli.md (options) and docs/operations.md (configuration). */
export const ENGINE_DEFAULTS: EngineConfig = Object.freeze({
  concurrency: 64,
  perHost: 8,
  hostRate: null,
  rate: null,
  hostBurst: 1,
  maxHostWaitMs: 15 * 60_000,
  maxHostErrors: 30,
  robots: false,
  timeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  dnsTimeoutMs: 5_000,
  dnsServers: Object.freeze([]) as readonly string[],
  maxSockets: defaultSocketBudget(),
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  retries: 2,
  retryBaseMs: 250,
  retryMaxDelayMs: 30_000,
  retryStatuses: DEFAULT_RETRY_STATUSES,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  hash: true,
  keepBodies: false,
  allowNet: Object.freeze([]) as readonly string[],
  ca: null,
  maxUrlLength: 8192,
  userAgent: 'fanout/0.1 (+https://github.com/fanout)',
});

/** Turns a config key into the name the user typed it under (flag, env var, JSON field). */
export type KeyLabel = (key: keyof EngineConfig) => string;

const asIs: KeyLabel = (key) => key;

type Check = (value: unknown, label: string) => unknown;

function integer(min: number, max: number): Check {
  return (value, label) => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`Expected \`${label}\` to be an integer from ${min} to ${max}, got \`${String(value)}\``);
    }
    return n;
  };
}

const boolean: Check = (value, label) => {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`Expected \`${label}\` to be true or false, got \`${String(value)}\``);
};

const HOST_PORT = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i;

/** A list given as an array or a comma-separated string, each entry trimmed and checked. */
function textList(what: string, valid: (item: string) => boolean, normalise: (item: string) => string): Check {
  return (value, label) => {
    const items = typeof value === 'string' ? value.split(',') : value;
    if (!Array.isArray(items)) {
      throw new ConfigError(`Expected \`${label}\` to be a list of ${what}, got \`${String(value)}\``);
    }
    return Object.freeze(
      items
        .map((item) => normalise(String(item).trim()))
        .filter((item) => item !== '')
        .map((item) => {
          if (!valid(item)) throw new ConfigError(`Expected \`${label}\` entries to be ${what}, got \`${item}\``);
          return item;
        }),
    );
  };
}

function isHostPort(item: string): boolean {
  const port = /:(\d+)$/.exec(item)?.[1];
  return HOST_PORT.test(item) && (port === undefined || (Number(port) >= 1 && Number(port) <= 65535));
}

const hostList = textList('host[:port]', isHostPort, (item) => item.toLowerCase());

/** True for `ip`, `ip:port` or `[ipv6]:port`, as `Resolver.setServers` takes them. */
function isServerAddress(item: string): boolean {
  if (isIP(item) !== 0) return true;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(item);
  if (match === null) return false;
  const port = Number(match[3]);
  const ip = match[1] ?? match[2] ?? '';
  return port >= 1 && port <= 65535 && isIP(ip) === (match[1] === undefined ? 4 : 6);
}

const serverList = textList('ip[:port]', isServerAddress, (item) => item);

const statusList: Check = (value, label) => {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items)) {
    throw new ConfigError(`Expected \`${label}\` to be a list of HTTP statuses, got \`${String(value)}\``);
  }
  return Object.freeze(items.map((item) => integer(100, 599)(item, label) as number));
};

const text: Check = (value, label) => {
  if (typeof value !== 'string' || value === '' || value.length > 512) {
    throw new ConfigError(`Expected \`${label}\` to be a non-empty string, got \`${String(value)}\``);
  }
  return value;
};

/** PEM text holding at least one certificate, or null; the text itself is never quoted back. */
const pemCertificates: Check = (value, label) => {
  if (value === null) return null;
  if (typeof value !== 'string' || !hasPemCertificate(value)) {
    throw new ConfigError(`Expected \`${label}\` to hold PEM certificates (-----BEGIN CERTIFICATE-----)`);
  }
  return value;
};

const MAX_MS = 24 * 3600 * 1000;

/** A rate ({@link parseRate}), or null (also given as `none`) for no limit. */
const optionalRate: Check = (value, label) => (value === null || value === 'none' ? null : parseRate(value, label));

/** The engine's numeric keys. */
type IntegerKey = {
  [K in keyof EngineConfig]: EngineConfig[K] extends number ? K : never;
}[keyof EngineConfig];

/** Bounds [min, max] of every numeric key: the one source for validators and messages. */
export const ENGINE_BOUNDS: { readonly [K in IntegerKey]: readonly [number, number] } = Object.freeze({
  concurrency: [1, 10_000],
  perHost: [1, 10_000],
  hostBurst: [1, 10_000],
  maxHostWaitMs: [0, MAX_MS],
  maxHostErrors: [0, 1_000_000],
  timeoutMs: [1, MAX_MS],
  connectTimeoutMs: [1, MAX_MS],
  dnsTimeoutMs: [1, MAX_MS],
  maxSockets: [1, 1_000_000],
  headersTimeoutMs: [1, MAX_MS],
  bodyTimeoutMs: [1, MAX_MS],
  retries: [0, 20],
  retryBaseMs: [0, MAX_MS],
  retryMaxDelayMs: [0, MAX_MS],
  maxBytes: [0, 2 ** 40],
  maxRedirects: [0, 50],
  maxUrlLength: [16, 1 << 20],
} as const);

const bounded = (key: IntegerKey): Check => integer(...ENGINE_BOUNDS[key]);

const CHECKS: { readonly [K in keyof EngineConfig]: Check } = {
  concurrency: bounded('concurrency'),
  perHost: bounded('perHost'),
  hostRate: optionalRate,
  rate: optionalRate,
  hostBurst: bounded('hostBurst'),
  maxHostWaitMs: bounded('maxHostWaitMs'),
  maxHostErrors: bounded('maxHostErrors'),
  robots: boolean,
  timeoutMs: bounded('timeoutMs'),
  connectTimeoutMs: bounded('connectTimeoutMs'),
  dnsTimeoutMs: bounded('dnsTimeoutMs'),
  dnsServers: serverList,
  maxSockets: bounded('maxSockets'),
  headersTimeoutMs: bounded('headersTimeoutMs'),
  bodyTimeoutMs: bounded('bodyTimeoutMs'),
  retries: bounded('retries'),
  retryBaseMs: bounded('retryBaseMs'),
  retryMaxDelayMs: bounded('retryMaxDelayMs'),
  retryStatuses: statusList,
  maxBytes: bounded('maxBytes'),
  maxRedirects: bounded('maxRedirects'),
  hash: boolean,
  keepBodies: boolean,
  allowNet: hostList,
  ca: pemCertificates,
  maxUrlLength: bounded('maxUrlLength'),
  userAgent: text,
};

/** The config keys, for callers that map their own names onto them. */
export const ENGINE_CONFIG_KEYS = Object.freeze(Object.keys(CHECKS)) as readonly (keyof EngineConfig)[];

/**
 * Validates `input` over the defaults and returns a frozen config. Unknown keys
 * and bad values throw a {@link ConfigError} naming the key (as `label` spells it)
 * and the value.
 *
 * @example
 * resolveEngineConfig({ concurrency: '200' }, (k) => `--${k}`)
 */
export function resolveEngineConfig(input: EngineConfigInput = {}, label: KeyLabel = asIs): EngineConfig {
  const out: Record<string, unknown> = { ...ENGINE_DEFAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    // Own keys only: `constructor` or `__proto__` is an unknown option, not Object's.
    const check = Object.hasOwn(CHECKS, key) ? CHECKS[key as keyof EngineConfig] : undefined;
    if (check === undefined) {
      throw new ConfigError(`Unknown option \`${key}\``);
    }
    out[key] = check(value, label(key as keyof EngineConfig));
  }
  return Object.freeze(out as unknown as EngineConfig);
}
