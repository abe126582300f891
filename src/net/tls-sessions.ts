import { createSecureContext, getCACertificates, type SecureContext } from 'node:tls';

/**
 * Server names whose TLS session is kept at most. A session is about 1–2 KB (it
 * holds the server's certificate: 770 bytes with a P-256 one), so this is 20 MiB
 * at worst; large enough that a list spreading each host's URLs through thousands
 * of others still finds the host's session when it comes back to it.
 */
export const TLS_SESSION_NAMES = 10_000;

/**
 * The last TLS session (or TLS 1.3 ticket) each server gave us, by server name and
 * port, least recently used dropped first. A new connection to a name offers its
 * session, so the server can resume it with an abbreviated handshake instead of a
 * full one (no certificate sent and checked, no key exchange signed). A session
 * is only ever offered to the name and port that issued it: one server's ticket
 * is no business of another's, even at the same address.
 */
export class TlsSessions {
  readonly #sessions = new Map<string, Buffer>();
  readonly #max: number;

  /** @param max server names kept at most */
  constructor(max: number = TLS_SESSION_NAMES) {
    this.#max = max;
  }

  /** Names with a session now. */
  get size(): number {
    return this.#sessions.size;
  }

  /** The session to offer `hostname:port`, if we have one (it becomes the most recently used). */
  get(hostname: string, port: number): Buffer | undefined {
    const key = sessionKey(hostname, port);
    const session = this.#sessions.get(key);
    if (session !== undefined) {
      this.#sessions.delete(key);
      this.#sessions.set(key, session);
    }
    return session;
  }

  /** Keeps the session `hostname:port` just gave, in place of any earlier one. */
  set(hostname: string, port: number, session: Buffer): void {
    const key = sessionKey(hostname, port);
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    if (this.#sessions.size > this.#max) {
      const oldest = this.#sessions.keys().next().value as string;
      this.#sessions.delete(oldest);
    }
  }
}

function sessionKey(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}

/**
 * The TLS context every connection of an engine uses: Node's default trust
 * (its bundled roots and `NODE_EXTRA_CA_CERTS`) plus `extraCa`, or undefined
 * (Node's own default context) when there is none. Built once: a `ca` passed to
 * each `tls.connect` would parse every root certificate again per connection.
 *
 * @param extraCa PEM certificates to trust besides the default roots, or null
 */
export function secureContextFor(extraCa: string | null): SecureContext | undefined {
  if (extraCa === null) return undefined;
  return createSecureContext({ ca: [...getCACertificates('default'), extraCa] });
}
