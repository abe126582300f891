import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFanout as fanout } from '../helpers/fanout-bin';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

describe('fanout fetch', () => {
  let server: LoopbackServer;
  let dir: string;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      res.statusCode = req.url === '/gone' ? 410 : 200;
      res.end('body');
    });
    dir = await mkdtemp(join(tmpdir(), 'fanout-cli-'));
  });
  afterAll(() => server.close());

  it('runs on the pinned Node 24, not the machine’s Node 20', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  it('writes one record per URL line, bad lines included, and a JSON summary', async () => {
    const lines = [
      '# a comment',
      `${server.origin}/one`,
      '',
      'not a url',
      'ftp://example.com/file',
      `${server.origin}/gone`,
      `http://a/${'x'.repeat(9000)}`,
      'http://10.0.0.1/',
      `${server.origin}/two`,
    ];
    const input = join(dir, 'urls.txt');
    const out = join(dir, 'out.jsonl');
    await writeFile(input, lines.join('\n'));
    const run = await fanout(['fetch', input, '--allow-net', `127.0.0.1:${server.port}`, '--out', out, '--json', '--no-progress']);
    expect(run.code).toBe(0);
    const records = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(7);
    const byLine = Object.fromEntries(records.map((r) => [r.line, r.error?.code ?? 'OK']));
    expect(byLine).toEqual({ 2: 'OK', 4: 'BAD_URL', 5: 'BAD_URL', 6: 'HTTP_STATUS', 7: 'BAD_URL', 8: 'BLOCKED_ADDRESS', 9: 'OK' });
    const summary = JSON.parse(run.stdout.trim());
    expect(summary).toMatchObject({ total: 7, ok: 2, failed: 5 });
    expect(summary.elapsed_s).toBeGreaterThan(0);
  });

  it('ends lines at a lone CR and refuses a line with a control character as BAD_URL', async () => {
    const input = join(dir, 'cr-only.txt');
    await writeFile(input, `${server.origin}/one\r${server.origin}/x\ty\r${server.origin}/two\r`);
    const run = await fanout(['fetch', input, '--allow-net', `127.0.0.1:${server.port}`, '--no-progress']);
    expect(run.code).toBe(0);
    const records = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byLine = Object.fromEntries(records.map((r) => [r.line, r.error ?? 'OK']));
    expect(byLine).toEqual({
      1: 'OK',
      2: { code: 'BAD_URL', message: `URL contains a control character (U+0009) at position ${`${server.origin}/x`.length + 1}` },
      3: 'OK',
    });
  });

  it('reads URLs from stdin with - and writes records to stdout', async () => {
    const run = await fanout(
      ['fetch', '-', '--allow-net', `127.0.0.1:${server.port}`, '--no-progress'],
      `${server.origin}/a\n${server.origin}/b\n`,
    );
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).ok),
    ).toEqual([true, true]);
  });

  it('prints sparse plain progress lines on a non-terminal stderr', async () => {
    const run = await fanout(['fetch', '-', '--allow-net', `127.0.0.1:${server.port}`], `${server.origin}/a\n`);
    expect(run.stderr).toMatch(/^progress: 1 \d+\/s 0 failed in \d+s$/m);
  });

  it.each([
    [['fetch', '--concurrency', 'abc', 'x'], /Expected `--concurrency` to be an integer from 1 to 10000, got `abc`/],
    [['fetch', '/no/such/file'], /cannot read input file \/no\/such\/file/],
    [['fetch', '--allow-net', 'http://x/', 'f'], /--allow-net/],
  ])('exits 2 with a one-line reason for %j', async (args, reason) => {
    const run = await fanout(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [['fetch', '--bogus', 'x'], /^fanout: unknown option --bogus \(see fanout fetch --help\)$/],
    [['fetch'], /^fanout: missing the input file \(or - for stdin\)$/],
    [['fetch', '--constructor', '1', 'x'], /^fanout: unknown option --constructor /],
  ])('exits 2 with a one-line reason and the usage line for %j', async (args, reason) => {
    const run = await fanout(args);
    expect(run.code).toBe(2);
    const [message, usage, ...more] = run.stderr.trim().split('\n');
    expect(message).toMatch(reason);
    expect(usage).toMatch(/^usage: fanout fetch \[options\] <file\|->/);
    expect(more).toEqual([]);
  });

  it.each([['frobnicate'], ['constructor'], ['__proto__']])('exits 2 naming the unknown command %s, with the usage', async (name) => {
    const run = await fanout([name]);
    expect(run.code).toBe(2);
    const [message, usage] = run.stderr.split('\n');
    expect(message).toBe(`fanout: unknown command '${name}'`);
    expect(usage).toMatch(/^usage: fanout <command> \[options\]/);
  });
});
