import { Socket } from 'node:net';
import { runEngine } from '../helpers/run-engine';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

describe('engine timeouts', () => {
  let server: LoopbackServer;
  let allowNet: string[];

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      if (req.url?.startsWith('/trickle/')) {
        const gap = Number(req.url.split('/')[2]);
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('x'), gap);
        res.once('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 600);
        return;
      }
      res.end('ok');
    });
    allowNet = [`127.0.0.1:${server.port}`];
  });
  afterAll(() => server.close());

  it('fails with TIMEOUT_HEADERS when the server never answers', async () => {
    const { results } = await runEngine([`${server.origin}/hang`], { headersTimeoutMs: 150, retries: 0, allowNet });
    expect(results[0]?.error?.code).toBe('TIMEOUT_HEADERS');
    expect(results[0]?.timings.total).toBeGreaterThanOrEqual(150);
  });

  it('fails with TIMEOUT_BODY when the body stalls longer than the idle gap', async () => {
    const { results } = await runEngine([`${server.origin}/trickle/400`], { bodyTimeoutMs: 150, retries: 0, allowNet });
    expect(results[0]).toMatchObject({ status: 200, error: { code: 'TIMEOUT_BODY' } });
  });

  it('cuts a trickling body at the total timeout and frees the slot within 50 ms of it', async () => {
    const { results } = await runEngine([`${server.origin}/trickle/20`], { timeoutMs: 300, retries: 0, allowNet });
    const result = results[0];
    expect(result?.error?.code).toBe('TIMEOUT_TOTAL');
    expect(result?.bytes).toBeGreaterThan(0);
    expect(result?.timings.total).toBeGreaterThanOrEqual(299);
    expect(result?.timings.total).toBeLessThan(350);
  });

  it('fails with TIMEOUT_CONNECT when the connection never opens', async () => {
    const stuck = (): Socket => new Socket(); // never connects, never sends
    const { results } = await runEngine([`${server.origin}/`], { connectTimeoutMs: 100, retries: 0, allowNet }, { dial: stuck });
    expect(results[0]?.error?.code).toBe('TIMEOUT_CONNECT');
  });

  it('starts nothing after the run deadline: unstarted URLs come back NOT_ATTEMPTED, running ones DEADLINE', async () => {
    const urls = Array.from({ length: 40 }, () => `${server.origin}/slow`);
    const started = Date.now();
    const { results, summary } = await runEngine(urls, { concurrency: 4, retries: 0, allowNet }, {}, started + 250);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(results).toHaveLength(40);
    const codes = results.map((r) => r?.error?.code);
    expect(codes.filter((c) => c === 'DEADLINE')).toHaveLength(4);
    expect(codes.filter((c) => c === 'NOT_ATTEMPTED')).toHaveLength(36);
    expect(summary).toMatchObject({ total: 40, notAttempted: 36 });
    expect(results.filter((r) => r?.error?.code === 'NOT_ATTEMPTED').every((r) => r?.attempts === 0)).toBe(true);
  });
});
