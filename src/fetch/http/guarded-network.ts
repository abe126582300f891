import type buildConnector from 'undici/types/connector';
import type { EngineConfig } from '../../config/engine-config';
import { createConnector } from '../../net/connector';
import { DnsCache } from '../../net/dns-cache';
import { createDnsResolver, type Resolver } from '../../net/dns-resolver';
import { createNetworkGuard, type NetworkGuard } from '../../net/guard';
import { secureContextFor, TlsSessions } from '../../net/tls-sessions';
import type { EngineDeps } from '../types';

/** The guard, the name cache and undici's `connect` built from one engine config. */
export interface GuardedNetwork {
  /** Checks URLs (IP literals, `localhost`) before dispatch; the cache checks resolved addresses. */
  readonly guard: NetworkGuard;
  /** Names resolved (c-ares on `dnsServers`, or the injected resolver) and every address checked by the guard. */
  readonly dns: DnsCache;
  /** Dials only addresses of a checked answer from `dns`. */
  readonly connect: buildConnector.connector;
  /**
   * Gives up the lookups in flight (they fail with TIMEOUT_DNS): a run stopped while
   * names were resolving must not hold the process open until they time out.
   */
  close(): void;
}

/**
 * Everything that decides where a connection may go, built in one place: the fetch
 * engine and the webhook sender both use it, so a name is resolved, checked and
 * dialled the same way whoever sends the request, and a TLS connection trusts the
 * same CAs and resumes the sessions its server name gave earlier.
 *
 * @param onFdExhausted told when a socket could not be opened for want of file
 *   descriptors (the engine shrinks its socket budget)
 */
export function createGuardedNetwork(
  config: EngineConfig,
  deps: Pick<EngineDeps, 'dial' | 'resolve'> = {},
  onFdExhausted?: () => void,
): GuardedNetwork {
  const guard = createNetworkGuard(config.allowNet);
  const { resolve, cancel } = resolverFor(config, deps.resolve);
  const dns = new DnsCache({
    resolve,
    guard,
    timeoutMs: config.dnsTimeoutMs,
  });
  const connect = createConnector({
    dns,
    connectTimeoutMs: config.connectTimeoutMs,
    sessions: new TlsSessions(),
    secureContext: secureContextFor(config.ca),
    ...(onFdExhausted !== undefined && { onFdExhausted }),
    ...(deps.dial !== undefined && { dial: deps.dial }),
  });
  return { guard, dns, connect, close: cancel };
}

/** A test's own resolver (nothing to cancel), or c-ares on the configured name servers. */
function resolverFor(config: EngineConfig, injected: Resolver | undefined): { resolve: Resolver; cancel: () => void } {
  if (injected !== undefined) return { resolve: injected, cancel: () => undefined };
  const ares = createDnsResolver({ servers: config.dnsServers, timeoutMs: config.dnsTimeoutMs });
  return { resolve: ares, cancel: ares.cancel };
}
