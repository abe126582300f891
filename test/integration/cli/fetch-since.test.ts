import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFanout } from '../helpers/fanout-bin';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

interface Page {
  status: number;
  body: string;
  etag?: string;
  lastModified?: string;
}

interface ResultLine {
  url: string;
  ok: boolean;
  status: number | null;
  bytes: number;
  sha256: string | null;
  change?: string | null;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const MONDAY = 'Mon, 30 Nov 2026 08:00:00 GMT';

describe('fanout fetch --since', () => {
  let server: LoopbackServer;
  let dir: string;
  /** The site as it is now; the test edits it between runs. */
  const pages = new Map<string, Page>();
  /** The conditional headers each path was last asked with. */
  const asked = new Map<string, { inm?: string; ims?: string }>();

  beforeAll(async () => {
    server = await startLoopbackServer((req, res) => {
      const path = req.url ?? '';
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      asked.set(path, { ...(inm !== undefined && { inm }), ...(ims !== undefined && { ims }) });
      if (path === '/moved') return void res.writeHead(301, { location: '/target' }).end();
      const page = pages.get(path) ?? { status: 404, body: 'no such page' };
      const validators = {
        ...(page.etag !== undefined && { etag: page.etag }),
        ...(page.lastModified !== undefined && { 'last-modified': page.lastModified }),
      };
      // As RFC 9110 says: If-None-Match decides when present, else If-Modified-Since.
      const notModified =
        page.status === 200 &&
        (inm !== undefined
          ? inm === page.etag
          : ims !== undefined && page.lastModified !== undefined && Date.parse(ims) >= Date.parse(page.lastModified));
      if (notModified) res.writeHead(304, validators).end();
      else res.writeHead(page.status, validators).end(page.body);
    });
    dir = await mkdtemp(join(tmpdir(), 'fanout-since-'));
  });
  afterAll(() => server.close());

  const flags = (): string[] => ['--allow-net', `127.0.0.1:${server.port}`, '--no-progress'];

  async function fetchList(name: string, paths: readonly string[], extra: readonly string[] = []) {
    const input = join(dir, `${name}.txt`);
    const out = join(dir, `${name}.jsonl`);
    await writeFile(input, paths.map((p) => `${server.origin}${p}\n`).join(''));
    asked.clear();
    const run = await runFanout(['fetch', input, '--out', out, '--json', ...extra, ...flags()]);
    const records = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ResultLine);
    const byPath = new Map(records.map((r) => [new URL(r.url).pathname, r]));
    return { run, out, byPath };
  }

  it('sends validators from previous 200s and records new, changed, unchanged and gone', async () => {
    pages.set('/same', { status: 200, body: 'same', etag: '"s1"' });
    pages.set('/edited', { status: 200, body: 'v1', etag: '"e1"' });
    pages.set('/dated', { status: 200, body: 'dated', lastModified: MONDAY });
    pages.set('/new-etag', { status: 200, body: 'stable', etag: '"n1"' });
    pages.set('/plain', { status: 200, body: 'plain' });
    pages.set('/plain-edited', { status: 200, body: 'p1' });
    pages.set('/removed', { status: 200, body: 'here' });
    pages.set('/broken', { status: 500, body: 'oops' });
    pages.set('/target', { status: 200, body: 'target', etag: '"t1"' });
    const firstPaths = ['/same', '/edited', '/dated', '/new-etag', '/plain', '/plain-edited', '/removed', '/broken', '/moved'];
    const first = await fetchList('monday', firstPaths);
    expect(first.run.code).toBe(0);
    // Without --since a record has no change field.
    expect(first.byPath.get('/same')).not.toHaveProperty('change');

    pages.set('/edited', { status: 200, body: 'v2', etag: '"e2"' });
    // A server that changes its ETag for the same bytes: still unchanged.
    pages.set('/new-etag', { status: 200, body: 'stable', etag: '"n2"' });
    pages.set('/plain-edited', { status: 200, body: 'p2' });
    pages.delete('/removed');
    pages.set('/broken', { status: 200, body: 'fixed' });
    pages.set('/added', { status: 200, body: 'added' });
    const second = await fetchList('tuesday', [...firstPaths, '/added'], ['--since', first.out]);
    expect(second.run.stderr).toBe('');
    expect(second.run.code).toBe(0);

    const change = Object.fromEntries([...second.byPath].map(([path, r]) => [path, r.change]));
    expect(change).toEqual({
      '/same': 'unchanged',
      '/edited': 'changed',
      '/dated': 'unchanged',
      '/new-etag': 'unchanged',
      '/plain': 'unchanged',
      '/plain-edited': 'changed',
      '/removed': 'gone',
      '/broken': 'new',
      '/moved': 'unchanged',
      '/added': 'new',
    });
    expect(JSON.parse(second.run.stdout).changes).toEqual({ new: 2, changed: 2, unchanged: 5, gone: 1 });
    // Conditional requests only where the previous 200 had validators.
    expect(asked.get('/same')).toEqual({ inm: '"s1"' });
    expect(asked.get('/dated')).toEqual({ ims: MONDAY });
    expect(asked.get('/plain')).toEqual({});
    expect(asked.get('/broken')).toEqual({});
    // The validators of a redirect's target belong to the target, not to the URL asked for.
    expect(asked.get('/moved')).toEqual({});
    expect(asked.get('/target')).toEqual({});
    // A 304 is an ok record carrying the previous body's hash and size.
    expect(second.byPath.get('/same')).toMatchObject({ ok: true, status: 304, sha256: sha256('same'), bytes: 4 });
    expect(second.byPath.get('/new-etag')).toMatchObject({ ok: true, status: 200, sha256: sha256('stable') });
    expect(second.byPath.get('/removed')).toMatchObject({ ok: false, status: 404 });

    // The 304 records keep the validators, so the next run asks again.
    const third = await fetchList('wednesday', ['/same', '/dated'], ['--since', second.out]);
    expect(asked.get('/same')).toEqual({ inm: '"s1"' });
    expect(asked.get('/dated')).toEqual({ ims: MONDAY });
    expect(third.byPath.get('/same')).toMatchObject({ status: 304, change: 'unchanged', sha256: sha256('same') });
  });

  it.each([
    [['--since', '/no/such/file.jsonl'], /^fanout: cannot read --since file \/no\/such\/file\.jsonl$/],
    [['--since', __filename], /^fanout: --since .*: line 1 is not JSON$/],
    [['--since', __filename, '--no-hash'], /^fanout: --since compares bodies by sha256/],
  ])('exits 2 with one line for %j', async (args, reason) => {
    const input = join(dir, 'usage.txt');
    await writeFile(input, `${server.origin}/same\n`);
    asked.clear();
    const run = await runFanout(['fetch', input, ...args, ...flags()]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(reason);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(asked.size).toBe(0);
  });
});
