import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen-loopback';

/**
 * A loopback HTTP proxy in front of the S3 emulator that makes one store write fail,
 * the way a bucket policy or a transient AccessDenied would: the first PutObject
 * whose body contains `fanout-fault-deny-once-<token>` is answered 403 AccessDenied
 * (the SDK does not retry a 403, so the consumer sees the write fail); later writes
 * with the same token go through. The token travels inside a URL of the job, so it
 * lands in that chunk's results object and nowhere else.
 *
 * This is the e2e tests' only fault-injection seam. It sits on the wire between
 * the real SDK client and the real emulator; the code under test is unchanged.
 * `GET /__faults` answers `{"denied":["<token>",...]}`.
 */
export interface S3FaultProxy {
  readonly endpoint: string;
  /** Tokens whose first write was refused. */
  readonly denied: ReadonlySet<string>;
  close(): Promise<void>;
}

/** Marker a test puts into a URL to make that chunk's first results write fail. */
export const DENY_ONCE_PREFIX = 'fanout-fault-deny-once-';
const MARKER = /fanout-fault-deny-once-([A-Za-z0-9]+)/;

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied (e2e fault proxy)</Message></Error>';

function forward(target: URL, req: IncomingMessage, res: ServerResponse, body: Buffer | null): void {
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  if (body === null) req.pipe(upstream);
  else upstream.end(body);
}

/** Starts the proxy on 127.0.0.1 (free port) in front of `targetEndpoint`. */
export async function startS3FaultProxy(targetEndpoint: string): Promise<S3FaultProxy> {
  const target = new URL(targetEndpoint);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
    throw new Error(`the fault proxy only forwards to loopback, got ${targetEndpoint}`);
  }
  const denied = new Set<string>();
  const server: Server = createServer((req, res) => {
    if (req.url === '/__faults') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ denied: [...denied] }));
      return;
    }
    if (req.method !== 'PUT') {
      forward(target, req, res, null);
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const token = MARKER.exec(body.toString('latin1'))?.[1];
      if (token !== undefined && !denied.has(token)) {
        denied.add(token);
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(ACCESS_DENIED);
        return;
      }
      forward(target, req, res, body);
    });
  });
  const { origin, close } = await listenOnLoopback(server);
  return { endpoint: origin, denied, close };
}
