import { resolveEngineConfig } from '../../../src/config/engine-config';
import { createEngine } from '../../../src/fetch/engine';
import type { FetchResult } from '../../../src/fetch/result';
import type { UrlInput } from '../../../src/fetch/types';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { loopbackOnlyDialer } from '../helpers/safe-network';

describe('engine: per-URL request headers and conditional requests', () => {
  let server: LoopbackServer;
  /** The If-None-Match each path was asked with ('' when none). */
  const seen = new Map<string, string>();

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      seen.set(req.url ?? '', String(req.headers['if-none-match'] ?? ''));
      if (req.url === '/moved') {
        res.writeHead(301, { location: '/target' }).end();
      } else if (req.headers['if-none-match'] === '"v1"' || req.url === '/unasked-304') {
        res.writeHead(304, { etag: '"v1"' }).end();
      } else {
        res.writeHead(200, { etag: '"v1"' }).end('page');
      }
    });
  });
  afterAll(() => server.close());

  async function run(inputs: readonly UrlInput[]): Promise<FetchResult[]> {
    const engine = createEngine(resolveEngineConfig({ allowNet: [`127.0.0.1:${server.port}`], retries: 0 }), {
      dial: loopbackOnlyDialer().dial,
    });
    const results: FetchResult[] = [];
    try {
      await engine.run(inputs, { onResult: (result) => void (results[result.line - 1] = result) });
    } finally {
      await engine.close();
    }
    return results;
  }

  it('sends a URL’s own headers, and counts a 304 to a conditional request as ok but an unasked 304 as HTTP_STATUS', async () => {
    const condition = { 'if-none-match': '"v1"' };
    const [conditional, plain, unasked] = await run([
      { url: `${server.origin}/page`, line: 1, headers: condition },
      { url: `${server.origin}/other`, line: 2 },
      { url: `${server.origin}/unasked-304`, line: 3 },
    ]);
    expect(conditional).toMatchObject({ ok: true, status: 304, headers: { etag: '"v1"' }, error: null });
    expect(seen.get('/page')).toBe('"v1"');
    expect(plain).toMatchObject({ ok: true, status: 200 });
    expect(seen.get('/other')).toBe('');
    expect(unasked).toMatchObject({ ok: false, status: 304, error: { code: 'HTTP_STATUS' } });
  });

  it('sends them on the first hop only, not to where it redirects', async () => {
    const [moved] = await run([{ url: `${server.origin}/moved`, line: 1, headers: { 'if-none-match': '"v1"' } }]);
    expect(seen.get('/moved')).toBe('"v1"');
    expect(seen.get('/target')).toBe('');
    expect(moved).toMatchObject({ ok: true, status: 200 });
  });
});
