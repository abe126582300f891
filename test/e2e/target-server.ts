import { createHash } from 'node:crypto';
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
 * - `/page/...`: the body the test set in `pages` with an ETag (304 to a matching
 *   `If-None-Match`), 404 when it has none;
 * - `/hang/...`: never answers (held until the client gives up or the server closes);
 * - `/slow/<ms>/...`: 200 after `<ms>` milliseconds.
 */
export interface TargetServer {
  readonly origin: string;
  /** Requests seen per path (with query). */
  readonly requests: ReadonlyMap<string, number>;
  /** When (epoch ms) each request arrived, by path, in arrival order. */
  readonly arrivals: readonly { readonly path: string; readonly at: number }[];
  /** `/page/...` bodies by path (absent: 404), set by the test. */
  readonly pages: Map<string, string>;
  /** Paths of the requests that came with `If-None-Match`. */
  readonly conditional: readonly string[];
  /** Requests currently being answered (slow or hanging). */
  inFlight(): number;
  close(): Promise<void>;
}

export async function startTargetServer(): Promise<TargetServer> {
  const requests = new Map<string, number>();
  const pages = new Map<string, string>();
  const conditional: string[] = [];
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
    if (kind === 'page') {
      // A page whose body the test sets (`pages`); it answers If-None-Match with 304.
      const body = pages.get(path.split('?')[0] ?? path);
      if (req.headers['if-none-match'] !== undefined) conditional.push(path);
      if (body === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('gone');
        return;
      }
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', etag });
      res.end(body);
    } else if (kind === 'missing') {
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
  return { origin, requests, arrivals, pages, conditional, inFlight: () => inFlight, close };
}
