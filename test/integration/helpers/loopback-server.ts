import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../../support/listen-loopback';

/** A real HTTP server on 127.0.0.1 with a free port, counting what is in flight. */
export interface LoopbackServer {
  readonly port: number;
  readonly origin: string;
  /** Requests being handled right now, the most seen at once, requests and connections accepted. */
  readonly stats: { inFlight: number; maxInFlight: number; requests: number; connections: number };
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Starts `handler` on 127.0.0.1:0. A request counts as in flight from its arrival
 * until its response finishes or its socket closes. `close` destroys open sockets,
 * so hanging handlers cannot keep a test alive.
 */
export async function startLoopbackServer(handler: Handler): Promise<LoopbackServer> {
  const stats = { inFlight: 0, maxInFlight: 0, requests: 0, connections: 0 };
  const server: Server = createServer((req, res) => {
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let counted = true;
    const done = (): void => {
      if (counted) {
        counted = false;
        stats.inFlight--;
      }
    };
    res.once('finish', done);
    res.once('close', done);
    handler(req, res);
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', () => stats.connections++);
  const { port, origin, close } = await listenOnLoopback(server);
  return { port, origin, stats, close };
}
