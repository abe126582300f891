import { BlockedAddressError, FETCH_ERROR_CODES, FetchError } from '../errors';
import type { ResolvedAddress, Resolver } from './dns-resolver';
import type { NetworkGuard } from './guard';
import { parseIpLiteral } from './ip';

/** The addresses to dial for a host and port, every one passed by the guard, or why there are none. */
export type NameAnswer =
  { readonly ok: true; readonly addresses: readonly ResolvedAddress[] } | { readonly ok: false; readonly error: FetchError };

/** What one lookup of a name gave, as the cache keeps it. */
interface Entry {
  readonly answer: NameAnswer;
  /** The guard's refusal of the first blocked address, or null when all passed. */
  readonly refusal: string | null;
  /** The answer for callers not allowlisted past the refusal, made when first needed. */
  blocked: NameAnswer | null;
  /** `performance.now()` after which the entry is stale. */
  readonly expiresAt: number;
}

/**
 * Lookup failures that say nothing about the name (the server did not answer, or
 * answered "try again"): TIMEOUT_DNS, retried, never cached. Every other failure
 * (no such name, no address) is DNS: not retried, cached for a while.
 */
const TEMPORARY_CODES = new Set(['ETIMEOUT', 'EAI_AGAIN', 'ESERVFAIL', 'ECONNREFUSED', 'ECANCELLED', 'ETIMEDOUT']);

export interface DnsCacheOptions {
  readonly resolve: Resolver;
  readonly guard: NetworkGuard;
  /** A lookup that takes longer fails with TIMEOUT_DNS. */
  readonly timeoutMs: number;
  /** Longest time an answer is kept whatever its TTL says. */
  readonly maxTtlMs?: number;
  /** Names kept at most (the oldest entry goes first). */
  readonly maxEntries?: number;
}

/** How long answers without a TTL (a test's fixed table) and negative answers are kept. */
const DEFAULT_TTL_MS = 30_000;
/** Floor on a TTL, so that a name resolved ahead of its request is still fresh when it connects. */
const MIN_TTL_MS = 1_000;

/**
 * Name resolution for the engine: one cache of answers, bounded by their TTL, with
 * one lookup in flight per name whatever the number of requests waiting for it,
 * and a timeout of its own (TIMEOUT_DNS), apart from the connect timeout.
 *
 * The guard checks every address of an answer once, when it arrives, and the
 * cache keeps the checked answer: the run resolves a URL's name before the URL
 * takes a request slot, and the connector dials the addresses of the same cached
 * answer, so what is dialled is what was checked (a DNS answer that changes later,
 * rebinding, makes a new entry, checked again). A name with any blocked address is
 * refused as a whole unless its host:port is allowlisted. IP literals never reach
 * the resolver (the guard checks them in `checkUrl`).
 */
export class DnsCache {
  readonly #resolve: Resolver;
  readonly #guard: NetworkGuard;
  readonly #timeoutMs: number;
  readonly #maxTtlMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<Entry>>();

  constructor(options: DnsCacheOptions) {
    this.#resolve = options.resolve;
    this.#guard = options.guard;
    this.#timeoutMs = options.timeoutMs;
    this.#maxTtlMs = options.maxTtlMs ?? 300_000;
    this.#maxEntries = options.maxEntries ?? 50_000;
  }

  /** The answer for `hostname`:`port` if it is known now (an IP literal or a fresh entry), else undefined. */
  peek(hostname: string, port: number): NameAnswer | undefined {
    const entry = this.#entries.get(hostname);
    if (entry !== undefined && entry.expiresAt > performance.now()) return this.#checked(entry, hostname, port);
    const literal = parseIpLiteral(hostname);
    if (literal === null) return undefined;
    const literalEntry: Entry = {
      answer: { ok: true, addresses: [literal] },
      refusal: null,
      blocked: null,
      expiresAt: Infinity,
    };
    this.#remember(hostname, literalEntry);
    return literalEntry.answer;
  }

  /** The answer for `hostname`:`port`, from the cache or from one lookup shared with every caller asking meanwhile. */
  async lookup(hostname: string, port: number): Promise<NameAnswer> {
    const known = this.peek(hostname, port);
    if (known !== undefined) return known;
    let pending = this.#inFlight.get(hostname);
    if (pending === undefined) {
      pending = this.#query(hostname);
      this.#inFlight.set(hostname, pending);
    }
    return this.#checked(await pending, hostname, port);
  }

  #checked(entry: Entry, hostname: string, port: number): NameAnswer {
    if (entry.refusal === null || this.#guard.isAllowed(hostname, port)) return entry.answer;
    entry.blocked ??= { ok: false, error: new BlockedAddressError(entry.refusal) };
    return entry.blocked;
  }

  async #query(hostname: string): Promise<Entry> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new FetchError(FETCH_ERROR_CODES.TIMEOUT_DNS, `no DNS answer for ${hostname} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    let entry: Entry;
    try {
      const found = await Promise.race([this.#resolve(hostname), timeout]);
      if (found.length === 0) throw new FetchError(FETCH_ERROR_CODES.DNS, `${hostname} has no address`);
      entry = this.#answerEntry(found);
    } catch (err) {
      const error = toDnsError(err, hostname);
      const temporary = error.code === FETCH_ERROR_CODES.TIMEOUT_DNS;
      entry = {
        answer: { ok: false, error },
        refusal: null,
        blocked: null,
        expiresAt: temporary ? 0 : performance.now() + Math.min(DEFAULT_TTL_MS, this.#maxTtlMs),
      };
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(hostname);
    }
    if (entry.expiresAt > 0) this.#remember(hostname, entry);
    return entry;
  }

  #answerEntry(found: readonly ResolvedAddress[]): Entry {
    let refusal: string | null = null;
    let ttlMs = this.#maxTtlMs;
    for (const entry of found) {
      ttlMs = Math.min(ttlMs, entry.ttl === undefined ? DEFAULT_TTL_MS : entry.ttl * 1000);
      refusal ??= this.#guard.addressRefusal(entry.address, entry.family);
    }
    return {
      answer: { ok: true, addresses: found },
      refusal,
      blocked: null,
      expiresAt: performance.now() + Math.max(MIN_TTL_MS, ttlMs),
    };
  }

  #remember(hostname: string, entry: Entry): void {
    // Re-inserting moves the name to the end: the first key is the oldest entry.
    this.#entries.delete(hostname);
    this.#entries.set(hostname, entry);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}

/** Maps a resolver's failure onto DNS (the name has no address) or TIMEOUT_DNS (try again later). */
export function toDnsError(err: unknown, hostname: string): FetchError {
  if (err instanceof FetchError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  if (TEMPORARY_CODES.has(code)) {
    return new FetchError(FETCH_ERROR_CODES.TIMEOUT_DNS, `cannot resolve ${hostname} now: ${code}`, { cause: err });
  }
  return new FetchError(FETCH_ERROR_CODES.DNS, `cannot resolve ${hostname}: ${code === '' ? String(err) : code}`, {
    cause: err,
  });
}
