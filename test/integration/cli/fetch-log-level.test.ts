import { runFanout as fanout } from '../helpers/fanout-bin';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

describe('fanout fetch --log-level', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      res.statusCode = req.url === '/gone' ? 410 : 200;
      res.end('body');
    });
  });
  afterAll(() => server.close());

  const jsonLines = (text: string): Record<string, unknown>[] =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('at debug, writes the run start and end and one line per failed URL to stderr, records unchanged on stdout', async () => {
    const input = `${server.origin}/ok\n${server.origin}/gone\n`;
    const run = await fanout(['fetch', '-', '--allow-net', `127.0.0.1:${server.port}`, '--no-progress', '--log-level', 'debug'], input);
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { ok: boolean }).ok),
    ).toEqual([true, false]);
    const lines = jsonLines(run.stderr);
    expect(lines.map((l) => l['message'])).toEqual(['run started', 'url failed', 'run finished']);
    expect(lines[1]).toMatchObject({
      level: 'DEBUG',
      service: 'fanout',
      url: `${server.origin}/gone`,
      line: 2,
      code: 'HTTP_STATUS',
      status: 410,
    });
    expect(lines[2]).toMatchObject({ level: 'INFO', total: 2, ok: 1, failed: 1 });
  });

  it('at info, leaves the per-URL lines out; without the flag, writes nothing', async () => {
    const args = ['fetch', '-', '--allow-net', `127.0.0.1:${server.port}`, '--no-progress'];
    const info = await fanout([...args, '--log-level', 'info'], `${server.origin}/gone\n`);
    expect(jsonLines(info.stderr).map((l) => l['message'])).toEqual(['run started', 'run finished']);
    const none = await fanout(args, `${server.origin}/gone\n`);
    expect(none.stderr).toBe('');
  });

  it('exits 2 with a one-line reason for an unknown level', async () => {
    const run = await fanout(['fetch', '-', '--log-level', 'verbose'], '');
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/Expected `--log-level` to be one of error, warn, info, debug, got `verbose`/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
