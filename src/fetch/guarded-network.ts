import type buildConnector from 'undici/types/connector';
import type { EngineConfig } from '../config/engine-config';
import { createConnector } from '../net/connector';
import { DnsCache } from '../net/dns-cache';
import { createDnsResolver } from '../net/dns-resolver';
import { createNetworkGuard, type NetworkGuard } from '../net/guard';
import type { EngineDeps } from './types';

/** The guard, the name cache and undici's `connect` built from one engine config. */
export interface GuardedNetwork {
  /** Checks URLs (IP literals, `localhost`) before dispatch; the cache checks resolved addresses. */
  readonly guard: NetworkGuard;
  /** Names resolved (c-ares on `dnsServers`, or the injected resolver) and every address checked by the guard. */
  readonly dns: DnsCache;
  /** Dials only addresses of a checked answer from `dns`. */
  readonly connect: buildConnector.connector;
}

/**
 * Everything that decides where a connection may go, built in one place: the fetch
 * engine and the webhook sender both use it, so a name is resolved, checked and
 * dialled the same way whoever sends the request.
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
  const dns = new DnsCache({
    resolve: deps.resolve ?? createDnsResolver({ servers: config.dnsServers, timeoutMs: config.dnsTimeoutMs }),
    guard,
    timeoutMs: config.dnsTimeoutMs,
  });
  const connect = createConnector({
    dns,
    connectTimeoutMs: config.connectTimeoutMs,
    ...(onFdExhausted !== undefined && { onFdExhausted }),
    ...(deps.dial !== undefined && { dial: deps.dial }),
  });
  return { guard, dns, connect };
}
