import { createServer, request, type IncomingMessage } from 'node:http';
import { listenOnLoopback } from './listen-loopback';

/** Calls of one kind through the proxy and their latency. */
export interface OpTiming {
  count: number;
  totalMs: number;
  maxMs: number;
  errors: number;
}

/** A loopback proxy that times every call to an emulator, by operation. */
export interface TimingProxy {
  readonly endpoint: string;
  /** Timings per operation, e.g. `DynamoDB UpdateItem`, `S3 PUT results/`. */
  readonly ops: ReadonlyMap<string, OpTiming>;
  close(): Promise<void>;
}

function opName(label: string, req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return `${label} ${target.split('.').pop() ?? target}`;
  // Path-style S3: /bucket/prefix/...; the first key segment tells results from bodies.
  const [, , prefix] = (req.url ?? '/').split('?')[0]!.split('/');
  return `${label} ${req.method ?? '?'} ${prefix === undefined || prefix === '' ? '' : `${prefix}/`}`;
}

/**
 * Starts a proxy on 127.0.0.1 (free port) in front of the loopback `targetEndpoint`,
 * timing each call from the first request byte to the last response byte. For the
 * pipeline benchmark: it shows what the functions' store writes cost.
 */
export async function startTimingProxy(label: string, targetEndpoint: string): Promise<TimingProxy> {
  const target = new URL(targetEndpoint);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
    throw new Error(`the timing proxy only forwards to loopback, got ${targetEndpoint}`);
  }
  const ops = new Map<string, OpTiming>();
  const server = createServer((req, res) => {
    const started = performance.now();
    const op = opName(label, req);
    const record = (failed: boolean): void => {
      const ms = performance.now() - started;
      const timing = ops.get(op) ?? { count: 0, totalMs: 0, maxMs: 0, errors: 0 };
      timing.count += 1;
      timing.totalMs += ms;
      timing.maxMs = Math.max(timing.maxMs, ms);
      if (failed) timing.errors += 1;
      ops.set(op, timing);
    };
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', () => record((answer.statusCode ?? 500) >= 400));
      },
    );
    upstream.on('error', () => {
      record(true);
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  const { origin, close } = await listenOnLoopback(server);
  return { endpoint: origin, ops, close };
}
