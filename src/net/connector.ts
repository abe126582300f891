import { lookup } from 'node:dns/promises';
import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type buildConnector from 'undici/types/connector';
import { FETCH_ERROR_CODES, FetchError } from '../errors';
import type { DialTarget, Dialer, Resolver } from '../fetch/types';
import type { NetworkGuard } from './guard';
import { parseIpLiteral } from './ip';

/** Opens plain or TLS sockets with the operating system's network stack. */
export const defaultDialer: Dialer = (target: DialTarget): Socket => {
  if (target.protocol === 'https:') {
    return tlsConnect({
      host: target.address,
      port: target.port,
      // SNI and certificate checks use the name from the URL, never the address.
      servername: parseIpLiteral(target.hostname) === null ? target.hostname : undefined,
      ALPNProtocols: ['http/1.1'],
    });
  }
  // 64 KiB reads, as undici's own connector does: Node's default of 16 KiB means
  // four times the read callbacks and parser calls for a large body.
  // (Socket passes highWaterMark on to its Duplex; @types/node does not list it.)
  const options: NetConnectOpts & { highWaterMark: number } = {
    host: target.address,
    port: target.port,
    highWaterMark: 64 * 1024,
  };
  return netConnect(options);
};

/** Resolves every address of a name, in the resolver's order. */
export const defaultResolver: Resolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, order: 'verbatim' });
  return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

export interface ConnectorOptions {
  readonly guard: NetworkGuard;
  readonly connectTimeoutMs: number;
  readonly dial?: Dialer;
  readonly resolve?: Resolver;
}

/**
 * Builds undici's `connect` function. The network guard runs here, at connect
 * time, on every address the name resolves to, so a DNS answer that changes
 * between a pre-check and the connection (rebinding) cannot reach a blocked
 * address: the address checked is the address dialled. IP literals skip DNS but
 * not the check. The connect timeout is our own timer, not undici's.
 */
export function createConnector(options: ConnectorOptions): buildConnector.connector {
  const dial = options.dial ?? defaultDialer;
  const resolve = options.resolve ?? defaultResolver;
  const { guard, connectTimeoutMs } = options;

  return (opts, callback) => {
    const protocol = opts.protocol === 'https:' ? 'https:' : 'http:';
    const port = Number(opts.port) || (protocol === 'https:' ? 443 : 80);
    const hostname = opts.hostname;
    let settled = false;
    let socket: Socket | undefined;
    const finish = (err: Error | null, value?: Socket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== null) {
        socket?.destroy();
        callback(err, null);
      } else {
        callback(null, value as Socket);
      }
    };
    const timer = setTimeout(() => {
      finish(new FetchError(FETCH_ERROR_CODES.TIMEOUT_CONNECT, `connect to ${hostname}:${port} timed out after ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);

    const literal = parseIpLiteral(hostname);
    const addresses = literal !== null ? Promise.resolve([literal]) : resolve(hostname);
    addresses.then(
      (found) => {
        if (settled) return;
        const first = found[0];
        if (first === undefined) throw new FetchError(FETCH_ERROR_CODES.DNS, `${hostname} has no address`);
        if (!guard.isAllowed(hostname, port)) {
          for (const entry of found) guard.checkAddress(entry.address, entry.family);
        }
        socket = dial({ address: first.address, family: first.family, port, protocol, hostname });
        socket.setNoDelay(true);
        socket.once('error', (err) => finish(err));
        socket.once(protocol === 'https:' ? 'secureConnect' : 'connect', () => finish(null, socket));
      },
    ).catch((err: unknown) => {
      finish(toDnsError(err, hostname));
    });
    return undefined;
  };
}

function toDnsError(err: unknown, hostname: string): Error {
  if (err instanceof FetchError) return err;
  const code = (err as { code?: string }).code;
  if (code !== undefined && (code === 'ENOTFOUND' || code.startsWith('EAI_') || code === 'ENODATA')) {
    return new FetchError(FETCH_ERROR_CODES.DNS, `cannot resolve ${hostname}: ${code}`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
