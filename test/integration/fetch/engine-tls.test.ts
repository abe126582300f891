import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { listenOnLoopback, type LoopbackListener } from '../../support/listen-loopback';
import { runEngine } from '../helpers/run-engine';

const FIXTURES = join(__dirname, '../../fixtures');

describe('engine over TLS', () => {
  let server: LoopbackListener;
  let port: number;
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
    port = server.port;
  });
  afterAll(() => server.close());

  it('refuses a certificate it cannot verify with TLS, and sends no request', async () => {
    const { results, refused } = await runEngine([`https://127.0.0.1:${port}/`], {
      retries: 2,
      allowNet: [`127.0.0.1:${port}`],
    });
    expect(results[0]).toMatchObject({ ok: false, status: null, attempts: 1, error: { code: 'TLS' } });
    expect(results[0]?.error?.message).toMatch(/SELF_SIGNED|self-signed/i);
    expect(requests).toBe(0);
    expect(refused).toEqual([]);
  });
});
