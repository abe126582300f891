import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { listenOnLoopback, type LoopbackListener } from '../../support/listen-loopback';
import { makeTestCa, type TestCa } from '../../support/test-ca';
import { runEngine } from '../helpers/run-engine';
import { fakeResolver } from '../helpers/safe-network';

const FIXTURES = join(__dirname, '../../fixtures');

/** One handshake as the server saw it. */
interface Handshake {
  readonly servername: string;
  readonly resumed: boolean;
}

describe('engine over TLS', () => {
  describe('with a certificate nobody vouches for', () => {
    let server: LoopbackListener;
    let requests = 0;

    beforeAll(async () => {
      server = await listenOnLoopback(
        createServer(
          {
            key: readFileSync(join(FIXTURES, 'self-signed-key.pem')),
            cert: readFileSync(join(FIXTURES, 'self-signed-cert.pem')),
          },
          (_req, res) => {
            requests++;
            res.end('secret');
          },
        ),
      );
    });
    afterAll(() => server.close());

    it('refuses it with TLS, and sends no request', async () => {
      const { results, refused } = await runEngine([`https://127.0.0.1:${server.port}/`], {
        retries: 2,
        allowNet: [`127.0.0.1:${server.port}`],
      });
      expect(results[0]).toMatchObject({ ok: false, status: null, attempts: 1, error: { code: 'TLS' } });
      expect(results[0]?.error?.message).toMatch(/SELF_SIGNED|self-signed/i);
      expect(requests).toBe(0);
      expect(refused).toEqual([]);
    });
  });

  describe('with a CA of our own (engine config `ca`)', () => {
    let ca: TestCa;
    let server: LoopbackListener;
    let port: number;
    let handshakes: Handshake[];
    let requests: string[];
    /** Answers each request, then closes the connection: every request needs a handshake of its own. */
    let closeEach = true;
    const resolve = fakeResolver({
      'a.fanout.test': ['127.0.0.1'],
      'b.fanout.test': ['127.0.0.1'],
      'elsewhere.test': ['127.0.0.1'],
      'private.fanout.test': ['10.1.2.3'],
      'metadata.fanout.test': ['169.254.169.254'],
    });
    const allow = (...names: string[]): string[] => names.map((n) => `${n}:${port}`);

    beforeAll(async () => {
      ca = makeTestCa(['*.fanout.test']);
      const https: Server = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
        requests.push(`${req.headers.host}${req.url}`);
        const redirect = /^\/to\/(.+)$/.exec(req.url ?? '');
        if (redirect !== null) {
          res.writeHead(302, { location: decodeURIComponent(redirect[1]!) }).end();
          return;
        }
        if (closeEach) res.setHeader('connection', 'close');
        res.end(`hello from ${req.headers.host}`);
      });
      https.on('secureConnection', (socket: TLSSocket) => {
        handshakes.push({ servername: String(socket.servername), resumed: socket.isSessionReused() });
      });
      server = await listenOnLoopback(https);
      port = server.port;
    });
    beforeEach(() => {
      handshakes = [];
      requests = [];
      closeEach = true;
    });
    afterAll(async () => {
      await server.close();
      ca.remove();
    });

    it('fetches a URL whose certificate chains to the given CA', async () => {
      const { results, bodies, refused } = await runEngine(
        [`https://a.fanout.test:${port}/page`],
        { ca: ca.caPem, keepBodies: true, allowNet: allow('a.fanout.test') },
        { resolve },
      );
      expect(results[0]).toMatchObject({ ok: true, status: 200, attempts: 1 });
      expect(bodies[0]?.toString()).toBe(`hello from a.fanout.test:${port}`);
      expect(refused).toEqual([]);
    });

    it("resumes a name's TLS session on its next connection, and never offers it to another name", async () => {
      // One request at a time, each on a new connection (the server closes after each).
      const urls = ['a', 'b', 'a', 'b', 'a'].map((name, i) => `https://${name}.fanout.test:${port}/${i}`);
      const { results } = await runEngine(
        urls,
        { ca: ca.caPem, concurrency: 1, perHost: 1, allowNet: allow('a.fanout.test', 'b.fanout.test') },
        { resolve },
      );
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true]);
      expect(handshakes).toHaveLength(5);
      // Each name's first handshake is a full one (b is not offered a's session), every later one resumed.
      for (const name of ['a.fanout.test', 'b.fanout.test']) {
        const ofName = handshakes.filter((h) => h.servername === name).map((h) => h.resumed);
        expect(ofName).toEqual([false, ...ofName.slice(1).map(() => true)]);
      }
    });

    it('refuses a certificate for another name with TLS, tried once', async () => {
      const { results, refused } = await runEngine(
        [`https://elsewhere.test:${port}/`],
        { ca: ca.caPem, retries: 2, allowNet: allow('elsewhere.test') },
        { resolve },
      );
      expect(results[0]).toMatchObject({ ok: false, status: null, attempts: 1, error: { code: 'TLS' } });
      expect(results[0]?.error?.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
      expect(requests).toEqual([]);
      expect(refused).toEqual([]);
    });

    it.each([
      ['a name resolving to a private address', 'https://private.fanout.test/'],
      ['a name resolving to the metadata address', 'https://metadata.fanout.test/'],
      ['an IP literal', 'https://169.254.169.254/latest/meta-data/'],
      ['a loopback name not allowlisted', `https://b.fanout.test:PORT/`],
    ])('checks an HTTPS redirect hop to %s and refuses it', async (_what, target) => {
      const location = target.replace('PORT', String(port));
      const { results, refused } = await runEngine(
        [`https://a.fanout.test:${port}/to/${encodeURIComponent(location)}`],
        { ca: ca.caPem, retries: 0, allowNet: allow('a.fanout.test') },
        { resolve },
      );
      expect(results[0]).toMatchObject({ ok: false, error: { code: 'BLOCKED_ADDRESS' } });
      // The first hop was fetched; the dialer was never asked for the second.
      expect(requests).toEqual([`a.fanout.test:${port}/to/${encodeURIComponent(location)}`]);
      expect(refused).toEqual([]);
    });

    it('follows an HTTPS redirect hop the guard allows', async () => {
      closeEach = false;
      const location = `https://b.fanout.test:${port}/landed`;
      const { results } = await runEngine(
        [`https://a.fanout.test:${port}/to/${encodeURIComponent(location)}`],
        { ca: ca.caPem, retries: 0, allowNet: allow('a.fanout.test', 'b.fanout.test') },
        { resolve },
      );
      expect(results[0]).toMatchObject({ ok: true, status: 200, finalUrl: location });
    });
  });
});
