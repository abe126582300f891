import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type buildConnector from 'undici/types/connector';
import { FETCH_ERROR_CODES, FetchError } from '../errors';
import type { DnsCache, NameAnswer } from './dns-cache';
import type { ResolvedAddress } from './dns-resolver';
import { defaultDialer, type Dialer } from './dialer';
import type { TlsSessions } from './tls-sessions';

/** Errors of the process running out of file descriptors: no other address would help. */
export const FD_EXHAUSTED_CODES: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE']);

export interface ConnectorOptions {
  /** Answers checked by the guard; the connector dials only what it hands out. */
  readonly dns: DnsCache;
  readonly connectTimeoutMs: number;
  readonly dial?: Dialer;
  /** TLS sessions by server name, offered again on the next connection to the same name. */
  readonly sessions: TlsSessions;
  /** The TLS context (the CAs trusted); Node's default when undefined. */
  readonly secureContext?: SecureContext | undefined;
  /** Told when opening a socket failed for want of file descriptors (EMFILE, ENFILE). */
  readonly onFdExhausted?: () => void;
}

/**
 * Builds undici's `connect` function. The name is resolved first, through the
 * engine's {@link DnsCache} (usually already resolved: the run looks names up
 * before their URLs take a slot), with its own timeout; only then does the connect
 * timer start, so a slow name server never shows as TIMEOUT_CONNECT. The addresses
 * dialled are those of the cached answer the guard checked. When a connection
 * fails, the next address is tried (the resolver interleaves IPv4 and IPv6), all
 * within one connect timeout. A TLS connection offers the session its server
 * name gave last (see {@link TlsSessions}) and keeps the one it is given.
 */
export function createConnector(options: ConnectorOptions): buildConnector.connector {
  const dial = options.dial ?? defaultDialer;
  const { dns, connectTimeoutMs, onFdExhausted, sessions, secureContext } = options;

  return (opts, callback) => {
    const protocol = opts.protocol === 'https:' ? 'https:' : 'http:';
    const port = Number(opts.port) || (protocol === 'https:' ? 443 : 80);
    const hostname = opts.hostname;
    const connect = (answer: NameAnswer): void => {
      if (!answer.ok) callback(answer.error, null);
      else {
        const settings: DialSettings = { dial, port, protocol, hostname, connectTimeoutMs, onFdExhausted, sessions, secureContext };
        dialInTurn(answer.addresses, settings, callback);
      }
    };
    const known = dns.peek(hostname, port);
    if (known !== undefined) connect(known);
    else dns.lookup(hostname, port).then(connect, (err: unknown) => callback(err as Error, null));
    return undefined;
  };
}

interface DialSettings {
  readonly dial: Dialer;
  readonly port: number;
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly connectTimeoutMs: number;
  readonly onFdExhausted: (() => void) | undefined;
  readonly sessions: TlsSessions;
  readonly secureContext: SecureContext | undefined;
}

/** Dials `addresses` one after another until one connects, under one timer. */
function dialInTurn(addresses: readonly ResolvedAddress[], settings: DialSettings, callback: buildConnector.Callback): void {
  const { port, protocol, hostname, connectTimeoutMs } = settings;
  let settled = false;
  let socket: Socket | undefined;
  let next = 0;
  const finish = (err: Error | null): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (err === null) {
      callback(null, socket as Socket);
    } else {
      socket?.destroy();
      callback(err, null);
    }
  };
  const timer = setTimeout(() => {
    finish(new FetchError(FETCH_ERROR_CODES.TIMEOUT_CONNECT, `connect to ${hostname}:${port} timed out after ${connectTimeoutMs} ms`));
  }, connectTimeoutMs);
  const tlsOptions = (): { session?: Buffer | undefined; secureContext?: SecureContext | undefined } =>
    protocol === 'https:' ? { session: settings.sessions.get(hostname, port), secureContext: settings.secureContext } : {};
  const failed = (err: Error): void => {
    if (settled) return;
    const code = (err as { code?: string }).code ?? '';
    if (FD_EXHAUSTED_CODES.has(code)) {
      settings.onFdExhausted?.();
      finish(err);
    } else if (next < addresses.length) {
      socket?.destroy();
      tryNext();
    } else {
      finish(err);
    }
  };
  const tryNext = (): void => {
    const target = addresses[next++] as ResolvedAddress;
    let opened: Socket;
    try {
      opened = settings.dial({ address: target.address, family: target.family, port, protocol, hostname, ...tlsOptions() });
    } catch (err) {
      failed(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    socket = opened;
    opened.setNoDelay(true);
    if (protocol === 'https:') {
      // TLS 1.3 servers send tickets after the handshake, possibly several: the last is kept.
      opened.on('session', (session: Buffer) => settings.sessions.set(hostname, port, session));
    }
    opened.once('error', (err) => {
      if (socket === opened) failed(err);
    });
    opened.once(protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      if (socket === opened) finish(null);
    });
  };
  tryNext();
}
