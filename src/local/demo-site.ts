import { createServer, type Server } from 'node:http';

/** The demo site's address: loopback only, and allowlisted by `npm start`. */
export const DEMO_HOST = '127.0.0.1';

/**
 * A small website on loopback for trying the local stack without the internet
 * (and without opening the guard to anything else): pages, a redirect, a 404, a
 * slow page and one that fails once with 503 before it works.
 */
export async function startDemoSite(port: number): Promise<{ origin: string; close(): Promise<void> }> {
  const failedOnce = new Set<string>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/moved') {
      res.writeHead(301, { location: '/page/1' });
      res.end();
    } else if (path === '/missing') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not here\n');
    } else if (path.startsWith('/flaky') && !failedOnce.has(path)) {
      failedOnce.add(path);
      res.writeHead(503, { 'retry-after': '1' });
      res.end();
    } else if (path === '/slow') {
      setTimeout(() => res.end('slow but fine\n'), 300);
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>demo ${path}</title><p>fanout demo page ${path}</p>\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, DEMO_HOST, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    origin: `http://${DEMO_HOST}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
