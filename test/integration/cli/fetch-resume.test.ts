import { mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFanout, startFanout } from '../helpers/fanout-bin';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

interface ResultLine {
  url: string;
  line: number;
  ok: boolean;
  error: { code: string } | null;
}

/** URLs behind the two hanging ones, which never get a slot at concurrency 2 before the stop. */
const WAITING = 10;

describe('fanout fetch --resume', () => {
  let server: LoopbackServer;
  let dir: string;
  /** Requests per path, to check what a resume fetches again. */
  const requests = new Map<string, number>();
  /** While true, `/hang/*` never answers; the resumed run answers it. */
  let hanging = true;
  let onHang: () => void = () => undefined;

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      const path = req.url ?? '';
      requests.set(path, (requests.get(path) ?? 0) + 1);
      if (path.startsWith('/hang') && hanging) return onHang();
      res.statusCode = path === '/missing' ? 404 : 200;
      res.end(`body of ${path}`);
    });
    dir = await mkdtemp(join(tmpdir(), 'fanout-resume-'));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    requests.clear();
    hanging = true;
  });

  const flags = (): string[] => ['--allow-net', `127.0.0.1:${server.port}`, '--no-progress'];

  async function urlFile(name: string, lines: readonly string[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, lines.map((l) => (l.startsWith('/') ? `${server.origin}${l}` : l)).join('\n') + '\n');
    return path;
  }

  async function rawLines(out: string): Promise<string[]> {
    return (await readFile(out, 'utf8')).split('\n').filter((l) => l !== '');
  }

  const parse = (lines: readonly string[]): ResultLine[] => lines.map((l) => JSON.parse(l) as ResultLine);
  const sortedLines = (records: readonly ResultLine[]): number[] => records.map((r) => r.line).sort((x, y) => x - y);

  it('after a SIGINT keeps the answered records, fetches the rest once and ends with one record per line', async () => {
    const paths = ['/a', '/missing', '/hang/1', '/hang/2', ...Array.from({ length: WAITING }, (_, i) => `/later/${i}`)];
    // A comment (no record) and a bad line (a BAD_URL record, answered: kept).
    const input = await urlFile('sigint.txt', ['# list', ...paths.slice(0, 4), 'not a url', ...paths.slice(4)]);
    const urlLines = [2, 3, 4, 5, 6, ...Array.from({ length: WAITING }, (_, i) => 7 + i)];
    const out = join(dir, 'sigint.jsonl');

    let hangs = 0;
    const bothHanging = new Promise<void>((resolve) => {
      onHang = () => {
        if (++hangs === 2) resolve();
      };
    });
    const first = startFanout(['fetch', input, '--out', out, '--concurrency', '2', ...flags()]);
    await bothHanging;
    first.child.kill('SIGINT');
    expect((await first.ended).code).toBe(130);
    const before = await rawLines(out);
    const codes = Object.fromEntries(parse(before).map((r) => [r.line, r.error?.code ?? 'OK']));
    expect(codes).toMatchObject({ 2: 'OK', 3: 'HTTP_STATUS', 4: 'DEADLINE', 5: 'DEADLINE', 6: 'BAD_URL', 7: 'NOT_ATTEMPTED' });
    const answered = before.filter((l) => !/"code":"(NOT_ATTEMPTED|DEADLINE)"/.test(l));
    expect(answered).toHaveLength(3);

    hanging = false;
    requests.clear();
    const resumed = await runFanout(['fetch', input, '--out', out, '--resume', '--json', ...flags()]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ total: urlLines.length - 3, ok: urlLines.length - 3, failed: 0, skipped: 3 });

    const after = await rawLines(out);
    expect(sortedLines(parse(after))).toEqual(urlLines);
    // The answered records are kept as they were, first; the rest are new and ok.
    expect(after.slice(0, 3)).toEqual(answered);
    expect(parse(after.slice(3)).every((r) => r.ok)).toBe(true);
    // Nothing answered is fetched again; cut and never-started URLs once each.
    expect(Object.fromEntries(requests)).toEqual(
      Object.fromEntries(paths.filter((p) => p !== '/a' && p !== '/missing').map((p) => [p, 1])),
    );
  });

  it('resumes a resumed run that was stopped again: never two records for one line', async () => {
    const paths = ['/r/a', '/hang/r1', '/hang/r2', ...Array.from({ length: WAITING }, (_, i) => `/r/later/${i}`)];
    const input = await urlFile('twice.txt', paths);
    const out = join(dir, 'twice.jsonl');
    const stopOnceHanging = async (args: readonly string[]): Promise<void> => {
      let hangs = 0;
      const bothHanging = new Promise<void>((resolve) => {
        onHang = () => {
          if (++hangs === 2) resolve();
        };
      });
      const run = startFanout(['fetch', input, '--out', out, '--concurrency', '2', ...args, ...flags()]);
      await bothHanging;
      run.child.kill('SIGINT');
      expect((await run.ended).code).toBe(130);
    };
    await stopOnceHanging([]);
    await stopOnceHanging(['--resume']);
    // Stopped twice: still one record per line, the second stop's NOT_ATTEMPTED included.
    const between = parse(await rawLines(out));
    expect(sortedLines(between)).toEqual(paths.map((_, i) => i + 1));
    expect(between.filter((r) => r.ok).map((r) => r.line)).toEqual([1]);

    hanging = false;
    expect((await runFanout(['fetch', input, '--out', out, '--resume', ...flags()])).code).toBe(0);
    const after = parse(await rawLines(out));
    expect(sortedLines(after)).toEqual(paths.map((_, i) => i + 1));
    expect(after.every((r) => r.ok)).toBe(true);
    expect(requests.get('/r/a')).toBe(1);
    expect(requests.get('/hang/r1')).toBe(3);
  });

  it('cuts a last record left half-written and fetches its URL again', async () => {
    hanging = false;
    const input = await urlFile('cut.txt', ['/c/1', '/c/2', '/c/3', '/c/4']);
    const out = join(dir, 'cut.jsonl');
    expect((await runFanout(['fetch', input, '--out', out, '--concurrency', '1', ...flags()])).code).toBe(0);
    const whole = await rawLines(out);
    const lastLine = parse(whole)[3]?.line;
    // A run killed mid-write: the last record without its end.
    const text = await readFile(out, 'utf8');
    await truncate(out, Buffer.byteLength(text) - 20);
    requests.clear();

    const resumed = await runFanout(['fetch', input, '--out', out, '--resume', ...flags()]);
    expect(resumed.code).toBe(0);
    const after = await rawLines(out);
    expect(sortedLines(parse(after))).toEqual([1, 2, 3, 4]);
    expect(after.slice(0, 3)).toEqual(whole.slice(0, 3));
    expect(Object.fromEntries(requests)).toEqual({ [`/c/${lastLine}`]: 1 });
  });

  it('refuses a results file of another input with exit 2 and one line, before any request and leaving it as it was', async () => {
    hanging = false;
    const input = await urlFile('one.txt', ['/m/1', '/m/2', '/m/3']);
    const out = join(dir, 'other.jsonl');
    expect((await runFanout(['fetch', input, '--out', out, ...flags()])).code).toBe(0);
    const text = await readFile(out, 'utf8');
    for (const [name, lines] of [
      ['changed.txt', ['/m/1', '/m/changed', '/m/3']],
      ['shorter.txt', ['/m/1', '/m/2']],
    ] as const) {
      const other = await urlFile(name, lines);
      requests.clear();
      const run = await runFanout(['fetch', other, '--out', out, '--resume', ...flags()]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^fanout: cannot resume: .*other\.jsonl does not match .*\.txt \(.+\)\n$/);
      expect(requests.size).toBe(0);
      expect(await readFile(out, 'utf8')).toBe(text);
    }
  });

  it.each([
    [['--resume'], /^fanout: --resume needs --out FILE/],
    [['--resume', '--out', 'x.jsonl', '-'], /^fanout: --resume needs an input file, not -/],
  ])('exits 2 with one line for %j', async (args, reason) => {
    const input = await urlFile('usage.txt', ['/u/1']);
    const run = await runFanout(['fetch', ...args, ...(args.includes('-') ? [] : [input]), ...flags()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(requests.size).toBe(0);
  });

  it('starts afresh when the --out file does not exist yet', async () => {
    hanging = false;
    const input = await urlFile('fresh.txt', ['/f/1', '/f/2']);
    const out = join(dir, 'fresh.jsonl');
    const run = await runFanout(['fetch', input, '--out', out, '--resume', ...flags()]);
    expect(run.code).toBe(0);
    expect(sortedLines(parse(await rawLines(out)))).toEqual([1, 2]);
  });
});
