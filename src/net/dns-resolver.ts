import { Resolver as AresResolver } from 'node:dns/promises';

/** One address a name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
  /** Seconds the answer may be kept (the record's TTL); absent: the cache's default. */
  readonly ttl?: number;
}

/**
 * Resolves a hostname to every address it has, IPv4 and IPv6. Rejects with the
 * resolver's error (its `code`, such as `ENOTFOUND` or `ETIMEOUT`, says which).
 * The default is {@link createDnsResolver}; tests pass their own answers or a
 * resolver pointed at a DNS server of their own on loopback.
 */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * A {@link Resolver} whose lookups in flight can be given up: `cancel` makes them
 * reject with `ECANCELLED`. A pending c-ares query keeps the process alive until it
 * times out, so whoever owns the resolver cancels when it closes.
 */
export type CancellableResolver = Resolver & { cancel(): void };

/**
 * c-ares channels, each with its own UDP socket, that lookups are spread over.
 * One socket's receive buffer (~200 KiB by default) drops answers once a few
 * hundred arrive together: measured against a loopback server answering after
 * 20 ms, one channel lost queries from 300 names at once (each loss costs a
 * retry timeout), four from 2,000, eight none at 2,000. A run resolves up to its
 * look-ahead (1,024 URLs, more at high concurrency) of names at once.
 */
const CHANNELS = 8;

/**
 * How long the other family's answer is awaited once one family has addresses
 * (RFC 8305's "resolution delay"): a name server that drops AAAA queries must not
 * turn a name with a good A record into TIMEOUT_DNS.
 */
const RESOLUTION_DELAY_MS = 50;

/** Answers that say the name has no address of that family: not a failure while the other family has one. */
const NO_ADDRESS_CODES = new Set(['ENODATA', 'ENOTFOUND']);

export interface DnsResolverOptions {
  /**
   * Name servers as `ip` or `ip:port` (IPv6 as `[ip]:port`); empty: the system's
   * (`/etc/resolv.conf`). Tests and benchmarks always name one of their own.
   */
  readonly servers: readonly string[];
  /** How long one lookup may take; c-ares retries inside it. */
  readonly timeoutMs: number;
}

/**
 * An asynchronous resolver on c-ares (`dns.promises.Resolver`): queries A and AAAA
 * side by side on the event loop, without libuv's thread pool, which runs at most
 * four `getaddrinfo` calls at once (two on a two-core Lambda) and queued a
 * many-host run behind them. Unlike `dns.lookup` it does not read `/etc/hosts`.
 *
 * Addresses come back interleaved by family, IPv4 first (v4, v6, v4, ...), so a
 * connector trying them in order alternates families when one fails. Once one
 * family has answered with addresses, the other gets {@link RESOLUTION_DELAY_MS}
 * more.
 */
export function createDnsResolver(options: DnsResolverOptions): CancellableResolver {
  const tries = 2;
  const channels = Array.from({ length: CHANNELS }, () => {
    const channel = new AresResolver({
      timeout: Math.max(1, Math.floor(options.timeoutMs / (tries + 1))),
      tries,
      maxTimeout: options.timeoutMs,
    });
    if (options.servers.length > 0) channel.setServers([...options.servers]);
    return channel;
  });
  let turn = 0;

  const resolve: Resolver = async (hostname) => {
    const resolver = channels[turn++ % CHANNELS] as AresResolver;
    const [v4, v6] = await bothOrOneEarly(resolver.resolve4(hostname, { ttl: true }), resolver.resolve6(hostname, { ttl: true }));
    const four = v4?.status === 'fulfilled' ? v4.value : [];
    const six = v6?.status === 'fulfilled' ? v6.value : [];
    if (four.length === 0 && six.length === 0) {
      // Prefer the error that is not "no such record": a timeout says more.
      const errors = [v4, v6].flatMap((r) => (r?.status === 'rejected' ? [r.reason as { code?: string }] : []));
      throw errors.find((e) => !NO_ADDRESS_CODES.has(e.code ?? '')) ?? errors[0] ?? noAddress(hostname);
    }
    const out: ResolvedAddress[] = [];
    for (let i = 0; i < Math.max(four.length, six.length); i++) {
      const a = four[i];
      const b = six[i];
      if (a !== undefined) out.push({ address: a.address, family: 4, ttl: a.ttl });
      if (b !== undefined) out.push({ address: b.address, family: 6, ttl: b.ttl });
    }
    return out;
  };
  return Object.assign(resolve, {
    cancel: () => {
      for (const channel of channels) channel.cancel();
    },
  });
}

type Settled<T> = PromiseSettledResult<T> | undefined;

/**
 * Both queries' outcomes, or, once one has addresses, whatever the other has
 * given {@link RESOLUTION_DELAY_MS} later (undefined if nothing yet).
 */
function bothOrOneEarly<A extends readonly unknown[], B extends readonly unknown[]>(
  a: Promise<A>,
  b: Promise<B>,
): Promise<[Settled<A>, Settled<B>]> {
  return new Promise((resolve) => {
    const results: Settled<readonly unknown[]>[] = [undefined, undefined];
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      resolve(results as [Settled<A>, Settled<B>]);
    };
    const watch = (query: Promise<readonly unknown[]>, slot: number): void => {
      query.then(
        (value) => {
          results[slot] = { status: 'fulfilled', value };
          if (results.every((r) => r !== undefined)) done();
          else if (value.length > 0) timer ??= setTimeout(done, RESOLUTION_DELAY_MS);
        },
        (reason: unknown) => {
          results[slot] = { status: 'rejected', reason };
          if (results.every((r) => r !== undefined)) done();
        },
      );
    };
    watch(a, 0);
    watch(b, 1);
  });
}

function noAddress(hostname: string): Error {
  return Object.assign(new Error(`${hostname} has no address`), { code: 'ENODATA' });
}
