import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runEngine } from '../helpers/run-engine';

const FIXTURES = join(__dirname, '../../fixtures');

describe('engine over TLS', () => {
  let server: Server;
  let port: number;
  let requests = 0;

  beforeAll(async () => {
    server = createServer(
      {
        key: readFileSync(join(FIXTURES, 'self-signed-key.pem')),
        cert: readFileSync(join(FIXTURES, 'self-signed-cert.pem')),
      },
      (_req, res) => {
        requests++;
        res.end('secret');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

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
