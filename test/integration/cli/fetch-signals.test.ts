import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoopbackDnsServer } from '../../support/loopback-dns-server';
import { startFanout } from '../helpers/fanout-bin';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

/** URLs behind the two hanging ones, which never get a slot at concurrency 2. */
const WAITING = 40;

describe('fanout fetch, stopped by a signal', () => {
  let server: LoopbackServer;
  let dir: string;
  /** Called when a `/hang` request arrives (the bin's two slots are then both held). */
  let onHang: () => void = () => undefined;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith('/hang')) onHang();
      else res.end('body');
    });
    dir = await mkdtemp(join(tmpdir(), 'fanout-signal-'));
  });
  afterAll(() => server.close());

  /**
   * Two URLs answered at once, two that hang (holding both slots), then URLs that
   * wait for a slot. Starts the bin and resolves once both hanging requests are in,
   * a few milliseconds after the first two answers arrived.
   */
  async function startRun(name: string, extraLines: readonly string[] = [], extraArgs: readonly string[] = []) {
    const lines = [
      `${server.origin}/a`,
      `${server.origin}/b`,
      `${server.origin}/hang/1`,
      `${server.origin}/hang/2`,
      ...Array.from({ length: WAITING }, (_, i) => `${server.origin}/later/${i}`),
      ...extraLines,
    ];
    const input = join(dir, `${name}.txt`);
    const out = join(dir, `${name}.jsonl`);
    await writeFile(input, lines.join('\n'));
    let hangs = 0;
    const bothHanging = new Promise<void>((resolve) => {
      onHang = () => {
        if (++hangs === 2) resolve();
      };
    });
    const run = startFanout([
      'fetch',
      input,
      '--out',
      out,
      '--concurrency',
      '2',
      '--allow-net',
      `127.0.0.1:${server.port}`,
      '--no-progress',
      ...extraArgs,
    ]);
    await bothHanging;
    return { ...run, out, lineCount: lines.length };
  }

  async function records(out: string): Promise<{ line: number; ok: boolean; error: { code: string } | null }[]> {
    const text = await readFile(out, 'utf8');
    return text.trim() === ''
      ? []
      : text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
  }

  it.each(['SIGINT', 'SIGTERM'] as const)('on %s starts nothing more, writes a record for every line and exits 130', async (signal) => {
    const { child, ended, out, lineCount } = await startRun(signal);
    child.kill(signal);
    const run = await ended;
    expect(run.code).toBe(130);
    const written = await records(out);
    expect(written.map((r) => r.line).sort((x, y) => x - y)).toEqual(Array.from({ length: lineCount }, (_, i) => i + 1));
    const code = (line: number): string => written.find((r) => r.line === line)?.error?.code ?? 'OK';
    expect([1, 2].map(code)).toEqual(['OK', 'OK']);
    // In flight when the signal came: cut after the grace.
    expect([3, 4].map(code)).toEqual(['DEADLINE', 'DEADLINE']);
    expect(written.filter((r) => r.error?.code === 'NOT_ATTEMPTED')).toHaveLength(WAITING);
    expect(run.stderr).toBe('');
  });

  it('exits at once with 130 on a second signal, without waiting for the requests in flight', async () => {
    const { child, ended, out } = await startRun('twice');
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGINT');
    const run = await ended;
    expect(run.code).toBe(130);
    // The hanging requests would only get their DEADLINE records after the grace.
    expect((await records(out)).filter((r) => r.error?.code === 'DEADLINE')).toEqual([]);
  });

  it('exits after the grace even while a name is still being looked up', async () => {
    // The test's own DNS server on loopback, which never answers: the lookup would run 20 s.
    const dns = await startLoopbackDnsServer(() => 'drop');
    try {
      const { child, ended, out, lineCount } = await startRun(
        'dns',
        [`http://silent.test:${server.port}/`],
        ['--dns-server', dns.address, '--dns-timeout-ms', '20000', '--allow-net', `silent.test:${server.port}`],
      );
      const signalled = performance.now();
      child.kill('SIGINT');
      const run = await ended;
      expect(run.code).toBe(130);
      // The grace is 2 s; a process held open by the lookup would end ~20 s later.
      expect(performance.now() - signalled).toBeLessThan(8000);
      const written = await records(out);
      expect(written).toHaveLength(lineCount);
      expect(written.find((r) => r.line === lineCount)?.error?.code).toBe('NOT_ATTEMPTED');
      expect(dns.total()).toBeGreaterThan(0);
    } finally {
      await dns.close();
    }
  });
});
