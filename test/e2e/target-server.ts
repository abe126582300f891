import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../support/listen-loopback';

/**
 * The e2e tests' fetch target: a loopback HTTP server whose behaviour is chosen by
 * the path's first segment, counting requests per path (query included):
 *
 * - `/ok/...`: 200 with a small body;
 * - `/flaky/...`: 503 on the first request for that exact path, 200 afterwards;
 * - `/flip/...`: 200 on odd requests for that exact path, 404 on even ones;
 * - `/missing/...`: 404;
 * - `/hang/...`: never answers (held until the client gives up or the server closes);
 * - `/slow/<ms>/...`: 200 after `<ms>` milliseconds.
 */
export interface TargetServer {
  readonly origin: string;
  /** Requests seen per path (with query). */
  readonly requests: ReadonlyMap<string, number>;
  /** When (epoch ms) each request arrived, by path, in arrival order. */
  readonly arrivals: readonly { readonly path: string; readonly at: number }[];
  /** Requests currently being answered (slow or hanging). */
  inFlight(): number;
  close(): Promise<void>;
}

export async function startTargetServer(): Promise<TargetServer> {
  const requests = new Map<string, number>();
  const arrivals: { path: string; at: number }[] = [];
  let inFlight = 0;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const seen = (requests.get(path) ?? 0) + 1;
    requests.set(path, seen);
    arrivals.push({ path, at: Date.now() });
    const [, kind, arg] = path.split(/[/?]/);
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${path}`);
    };
    if (kind === 'missing') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such page');
    } else if (kind === 'flip') {
      // Outcomes that differ per request: two deliveries of one chunk disagree.
      res.writeHead(seen % 2 === 1 ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(`flip ${seen}`);
    } else if (kind === 'flaky' && seen === 1) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('try again');
    } else if (kind === 'hang') {
      inFlight += 1;
      res.on('close', () => (inFlight -= 1));
    } else if (kind === 'slow') {
      inFlight += 1;
      const timer = setTimeout(answer, Number(arg));
      res.on('close', () => {
        clearTimeout(timer);
        inFlight -= 1;
      });
    } else {
      answer();
    }
  };
  const server: Server = createServer({ keepAlive: true }, handle);
  const { origin, close } = await listenOnLoopback(server);
  return { origin, requests, arrivals, inFlight: () => inFlight, close };
}
