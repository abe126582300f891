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
  /** Whether `/hang` requests hang (else they are answered like the others). */
  let hanging = true;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      if (req.url?.startsWith('/hang') && hanging) onHang();
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
    const args = [
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
    ];
    const run = startFanout(args);
    await bothHanging;
    return { ...run, out, lineCount: lines.length, args };
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
    const { child, ended, out, lineCount, args } = await startRun(signal);
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
    // Nothing but where to go on from: the two cut and the waiting ones are left.
    expect(run.stderr).toBe(
      `fanout: stopped: ${WAITING + 2} of ${lineCount} URLs not fetched; to continue: fanout ${args.join(' ')} --resume\n`,
    );
  });

  it('after a stop, prints the command that continues the run, and that command finishes it', async () => {
    const { child, ended, out, lineCount } = await startRun('continue', [], ['--json']);
    child.kill('SIGINT');
    const run = await ended;
    expect(run.code).toBe(130);
    const hint = /to continue: fanout (.*)\n$/.exec(run.stderr);
    expect(hint).not.toBeNull();
    // The paths and flags of this test need no quoting: the printed command splits on spaces.
    const args = (hint?.[1] ?? '').split(' ');
    expect(args).toContain('--resume');
    hanging = false;
    try {
      const second = await startFanout(args).ended;
      expect(second.code).toBe(0);
      const written = await records(out);
      expect(written.map((r) => r.line).sort((x, y) => x - y)).toEqual(Array.from({ length: lineCount }, (_, i) => i + 1));
      expect(written.filter((r) => !r.ok)).toEqual([]);
    } finally {
      hanging = true;
    }
  });

  it('counts the URLs a stop left untried as not attempted, on the progress line as in the summary', async () => {
    const { child, ended } = await startRun('counts', [], ['--json', '--progress']);
    child.kill('SIGINT');
    const run = await ended;
    expect(run.code).toBe(130);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(summary).toMatchObject({ total: WAITING + 4, ok: 2, failed: 2, not_attempted: WAITING });
    const last = run.stderr.split('\n').find((line) => line.startsWith('progress: ') && line.includes(' in '));
    expect(last).toMatch(new RegExp(`^progress: ${WAITING + 4}/${WAITING + 4} \\d+/s 2 failed, ${WAITING} not attempted in \\d+s$`));
    // Four URLs were tried, in the ~2 s grace: a rate over all 44 would read ~20/s.
    expect(summary.requests_per_s).toBeCloseTo(4 / summary.elapsed_s, 0);
    expect(summary.cpu_us_per_request).toBeGreaterThan(0);
  });

  it('exits at once with 130 on a signal more than a second after the first, without waiting for the requests in flight', async () => {
    const { child, ended, out } = await startRun('twice');
    child.kill('SIGINT');
    // Past the window in which signals count as one (1 s), inside the grace (2 s).
    await new Promise((resolve) => setTimeout(resolve, 1300));
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
