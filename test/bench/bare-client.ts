/**
 * The benchmark's ceiling for many hosts: the least a client can do per URL. It
 * resolves each name once (c-ares at `--dns-server`), opens a new connection per
 * URL (`tls.connect` for https, keeping one TLS session per name and offering it
 * on the name's next connection; `net.connect` for http), writes a minimal GET,
 * reads to the end of the response (the head's end and `content-length` found by
 * searching the bytes: no parser) and closes. No records, no hashing, no retries,
 * no timeouts: what is left is the platform's cost of a connection and a request.
 *
 * It prints the same one-line JSON summary as `fanout fetch --json`; elapsed time
 * and CPU cover only the requests (from the first to the last), as the baseline's do.
 *
 * Run: `node --import tsx test/bench/bare-client.ts --concurrency 200 --dns-server 127.0.0.1:5353 [--ca ca.pem] urls.txt`
 */
import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { parseArgs } from 'node:util';
import { measureRun } from './measured-run';

interface Target {
  readonly tls: boolean;
  readonly name: string;
  readonly port: number;
  readonly request: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;

function parseTargets(lines: readonly string[]): Target[] {
  return lines.map((line) => {
    const url = new URL(line);
    const tls = url.protocol === 'https:';
    return {
      tls,
      name: url.hostname,
      port: Number(url.port) || (tls ? 443 : 80),
      request: Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n\r\n`, 'latin1'),
    };
  });
}

/** One request on a new connection: resolves true for a complete 200. */
function fetchOnce(
  target: Target,
  address: string,
  secureContext: SecureContext | undefined,
  sessions: Map<string, Buffer>,
): Promise<boolean> {
  return new Promise((resolve) => {
    let socket: Socket;
    if (target.tls) {
      const session = sessions.get(target.name);
      const tlsSocket = tlsConnect({
        host: address,
        port: target.port,
        servername: isIP(target.name) === 0 ? target.name : undefined,
        ALPNProtocols: ['http/1.1'],
        ...(secureContext !== undefined && { secureContext }),
        ...(session !== undefined && { session }),
      });
      tlsSocket.on('session', (s: Buffer) => sessions.set(target.name, s));
      tlsSocket.once('secureConnect', () => tlsSocket.write(target.request));
      socket = tlsSocket;
    } else {
      socket = netConnect({ host: address, port: target.port });
      socket.once('connect', () => socket.write(target.request));
    }
    socket.setNoDelay(true);
    let head: Buffer | null = Buffer.alloc(0);
    let status = 0;
    let remaining = -1;
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.on('data', (chunk: Buffer) => {
      if (head !== null) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEAD_END);
        if (end === -1) return;
        const text = head.subarray(0, end).toString('latin1');
        status = Number(text.slice(9, 12));
        remaining = Number(CONTENT_LENGTH.exec(text)?.[1] ?? 0) - (head.length - end - 4);
        head = null;
      } else remaining -= chunk.length;
      if (remaining <= 0) finish(status === 200);
    });
    socket.once('error', () => finish(false));
    socket.once('close', () => resolve(false));
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { concurrency: { type: 'string', default: '64' }, 'dns-server': { type: 'string' }, ca: { type: 'string' } },
  });
  const concurrency = Number(values.concurrency);
  const file = positionals[0];
  if (file === undefined || !Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write('usage: bare-client.ts --concurrency N [--dns-server IP:PORT] [--ca FILE] <url-file>\n');
    process.exit(2);
  }
  const targets = parseTargets(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== ''),
  );
  const secureContext =
    values.ca === undefined ? undefined : createSecureContext({ ca: [...rootCertificates, readFileSync(values.ca, 'utf8')] });
  const resolver = new Resolver();
  if (values['dns-server'] !== undefined) resolver.setServers([values['dns-server']]);
  // Each name once: the promise is kept, so URLs of a name still resolving wait for the same answer.
  const addresses = new Map<string, Promise<string>>();
  const addressOf = (name: string): Promise<string> => {
    if (isIP(name) !== 0) return Promise.resolve(name);
    let found = addresses.get(name);
    if (found === undefined) {
      if (values['dns-server'] === undefined) return Promise.reject(new Error(`no --dns-server to resolve ${name}`));
      found = resolver.resolve4(name).then((all) => all[0] ?? '');
      addresses.set(name, found);
    }
    return found;
  };
  const sessions = new Map<string, Buffer>();
  let ok = 0;
  let failed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < targets.length; i = next++) {
      const target = targets[i]!;
      const fine = await addressOf(target.name).then(
        (address) => fetchOnce(target, address, secureContext, sessions),
        () => false,
      );
      if (fine) ok += 1;
      else failed += 1;
    }
  };

  await measureRun(
    () => Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker)).then(() => undefined),
    () => ({ total: targets.length, ok, failed, bytes: 0 }),
  );
}

void main();
