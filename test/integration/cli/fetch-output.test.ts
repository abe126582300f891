import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFanout } from '../helpers/fanout-bin';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

/** One line on stderr, and no stack trace in it. */
function expectOneLine(stderr: string, reason: RegExp): void {
  expect(stderr).toMatch(reason);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('fanout fetch --out', () => {
  let server: LoopbackServer;
  let dir: string;
  /** Resolves `/late` requests: the mid-run test answers them once the reader is gone. */
  let releaseLate: () => void = () => undefined;
  let late = new Promise<void>((resolve) => (releaseLate = resolve));

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith('/late')) void late.then(() => res.end('late'));
      else res.end('body');
    });
    dir = await mkdtemp(join(tmpdir(), 'fanout-out-'));
  });
  afterAll(() => server.close());

  async function urlFile(name: string, paths: readonly string[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, paths.map((p) => `${server.origin}${p}\n`).join(''));
    return path;
  }

  const flags = (): string[] => ['--allow-net', `127.0.0.1:${server.port}`, '--no-progress'];

  it('refuses a path that cannot be opened before any request: exit 2, one line', async () => {
    const input = await urlFile('missing-dir.txt', ['/a', '/b']);
    const before = server.stats.requests;
    const run = await runFanout(['fetch', input, '--out', join(dir, 'no', 'such', 'dir', 'out.jsonl'), ...flags()]);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr, /^fanout: cannot write output file .*out\.jsonl: ENOENT$/m);
    expect(server.stats.requests).toBe(before);
  });

  it('ends with exit 1 and one line when the device is full (/dev/full), never "ok"', async () => {
    const input = await urlFile('full.txt', ['/a', '/b', '/c']);
    const run = await runFanout(['fetch', input, '--out', '/dev/full', '--json', ...flags()]);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, /^fanout: cannot write results to \/dev\/full: ENOSPC/m);
    expect(run.stdout).toBe('');
  });

  it('ends with exit 1 and one line, no stack trace, when writing fails mid-run', async () => {
    // A pipe whose reader leaves after the first records: the next write fails
    // (EPIPE) while URLs are still being fetched, as a disk filling up would.
    const fifo = join(dir, 'results.fifo');
    execFileSync('mkfifo', [fifo]);
    const input = await urlFile('mid-run.txt', ['/a', '/b', '/late/1', '/late/2', '/late/3']);
    const reader = createReadStream(fifo);
    let received = '';
    reader.once('data', (chunk) => {
      received += chunk.toString();
      reader.destroy();
      reader.once('close', () => setTimeout(releaseLate, 50));
    });
    try {
      const run = await runFanout(['fetch', input, '--out', fifo, '--concurrency', '2', ...flags()]);
      expect(received).toMatch(/"line":[12]/);
      expect(run.code).toBe(1);
      expectOneLine(run.stderr, /^fanout: cannot write results to .*results\.fifo: EPIPE/m);
    } finally {
      releaseLate();
      late = Promise.resolve();
    }
  });
});
