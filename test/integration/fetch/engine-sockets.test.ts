import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { RunSummary } from '../../../src/fetch/types';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';
import { runEngine } from '../helpers/run-engine';
import { fakeResolver } from '../helpers/safe-network';

const CHILD = join(__dirname, '../helpers/many-hosts-child.ts');

/** Runs the many-hosts child under `ulimit -n <fdLimit>` and parses its line. */
function runChildUnderUlimit(
  fdLimit: number,
  port: number,
  count: number,
  extra: readonly number[] = [],
): Promise<{ summary: RunSummary; maxOpen: number; refused: number }> {
  const script = `ulimit -n ${fdLimit} && exec "$0" --import tsx "$@"`;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', script, process.execPath, CHILD, String(port), String(count), ...extra.map(String)],
      { timeout: 60_000, cwd: join(__dirname, '../../..') },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`child failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1) as string));
      },
    );
  });
}

/** Names `<prefix><i>.test`, their allowlist entries for `port`, and a fixed table answering 127.0.0.1. */
function hosts(prefix: string, count: number, port: number) {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i}.test`);
  return {
    names,
    allowNet: names.map((name) => `${name}:${port}`),
    resolve: fakeResolver(Object.fromEntries(names.map((name) => [name, ['127.0.0.1']]))),
  };
}

describe('engine socket budget', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    server = await startLoopbackServer((_req, res) => setTimeout(() => res.end('ok'), 2));
  });
  afterAll(() => server.close());

  it('fetches 3,000 hosts under ulimit -n 1024 with the default budget: every URL ok, none INTERNAL', async () => {
    const { summary, maxOpen, refused } = await runChildUnderUlimit(1024, server.port, 3000);
    expect(refused).toBe(0);
    expect(summary.errors).toEqual({});
    expect(summary.ok).toBe(3000);
    expect(maxOpen).toBeLessThan(1024);
  }, 60_000);

  it('retries EMFILE as CONNECT and shrinks the budget when the process runs out of descriptors anyway', async () => {
    // A budget set above `ulimit -n`: connections fail with EMFILE until the budget shrinks to what is open.
    const { summary } = await runChildUnderUlimit(1024, server.port, 3000, [2, 5000]);
    expect(summary.errors).toEqual({});
    expect(summary.ok).toBe(3000);
  }, 60_000);

  it('never holds more sockets than maxSockets across many hosts, closing idle ones for new hosts', async () => {
    const { names, allowNet, resolve } = hosts('h', 600, server.port);
    const urls = names.flatMap((name, i) => [`http://${name}:${server.port}/a${i}`, `http://${name}:${server.port}/b${i}`]);
    const { summary, sockets } = await runEngine(urls, { concurrency: 100, perHost: 2, retries: 0, maxSockets: 40, allowNet }, { resolve });
    expect(summary.ok).toBe(1200);
    expect(sockets.maxOpen).toBeLessThanOrEqual(40);
    expect(sockets.maxOpen).toBeGreaterThanOrEqual(30);
  });

  it('gives back the idle socket of a host with nothing queued before an older one whose host has work waiting', async () => {
    const { allowNet, resolve } = hosts('s', 3, server.port);
    const url = (host: string, n: number): string => `http://${host}.test:${server.port}/${n}`;
    // One slot: s0, s1 and s2 in turn, then s0 again on its kept-alive socket.
    const { summary, dialed, sockets } = await runEngine(
      [url('s0', 1), url('s1', 1), url('s2', 1), url('s0', 2)],
      { concurrency: 1, perHost: 1, retries: 0, maxSockets: 2, allowNet },
      { resolve },
    );
    expect(summary.ok).toBe(4);
    // s2 needed a socket: s1's went (nothing queued), not s0's, which is older but had a URL waiting.
    expect(dialed.map((d) => d.hostname)).toEqual(['s0.test', 's1.test', 's2.test']);
    expect(sockets.closed[0]).toBe('s1.test');
  });

  it('closes the oldest idle socket first when every host is done', async () => {
    const { allowNet, resolve } = hosts('o', 4, server.port);
    const url = (i: number): string => `http://o${i}.test:${server.port}/`;
    const { summary, sockets } = await runEngine(
      [url(0), url(1), url(2), url(3)],
      { concurrency: 1, perHost: 1, retries: 0, maxSockets: 3, allowNet },
      { resolve },
    );
    expect(summary.ok).toBe(4);
    expect(sockets.closed[0]).toBe('o0.test');
  });
});
