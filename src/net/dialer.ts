import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';
import { parseIpLiteral } from './ip';

/** Where a connection is to be opened, after the guard has approved the address. */
export interface DialTarget {
  /** The resolved IP address to connect to. */
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly protocol: 'http:' | 'https:';
  /** The URL's hostname, for TLS SNI and certificate checks. */
  readonly hostname: string;
  /** TLS only: the session this name gave earlier, offered for resumption. */
  readonly session?: Buffer | undefined;
  /** TLS only: the context with the CAs to trust; Node's default when absent. */
  readonly secureContext?: SecureContext | undefined;
}

/**
 * Opens a socket to an already-approved address. The default uses `net.connect` /
 * `tls.connect`; tests inject one that refuses anything but loopback, so a broken
 * guard still cannot send a packet off the machine. The returned socket must emit
 * `connect` (plain) or `secureConnect` (TLS) once usable, and a TLS socket its
 * `session` events (the connector keeps the sessions).
 */
export type Dialer = (target: DialTarget) => Socket;

/** Opens plain or TLS sockets with the operating system's network stack. */
export const defaultDialer: Dialer = (target: DialTarget): Socket => {
  if (target.protocol === 'https:') {
    return tlsConnect({
      host: target.address,
      port: target.port,
      // SNI and certificate checks use the name from the URL, never the address.
      servername: parseIpLiteral(target.hostname) === null ? target.hostname : undefined,
      ALPNProtocols: ['http/1.1'],
      ...(target.session !== undefined && { session: target.session }),
      ...(target.secureContext !== undefined && { secureContext: target.secureContext }),
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
