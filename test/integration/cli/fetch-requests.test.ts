import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFanout as fanout } from '../helpers/fanout-bin';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
/** The records of a run, in input order (they are written as they finish). */
const records = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .sort((a, b) => (a.line as number) - (b.line as number));

describe('fanout fetch: requests and responses kept', () => {
  let server: RecordingServer;
  let dir: string;
  let allow: string[];
  const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00, 0xfe]);

  beforeAll(async () => {
    server = await startRecordingServer((request, res) => {
      const path = request.path;
      if (path.startsWith('/json/')) {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-request-id', 'rid-1');
        res.end(JSON.stringify({ path, method: request.method }));
      } else if (path === '/binary') {
        res.end(binary);
      } else if (path.startsWith('/chunked/')) {
        // No Content-Length: the body is refused only once it has streamed past the cap.
        const chunk = 'c'.repeat(1024);
        for (let i = 0; i < Number(path.split('/')[2]); i++) res.write(chunk);
        res.end();
      } else if (path.startsWith('/big/')) {
        res.end('x'.repeat(Number(path.split('/')[2])));
      } else if (path.startsWith('/distinct/')) {
        res.end(`body of ${path}`);
      } else if (path === '/same') {
        res.end('the same body');
      } else {
        res.end('ok');
      }
    });
    dir = await mkdtemp(join(tmpdir(), 'fanout-requests-'));
    allow = ['--allow-net', `127.0.0.1:${server.port}`, '--no-progress'];
  });
  afterAll(() => server.close());
  beforeEach(() => server.received.splice(0));

  async function input(name: string, lines: readonly string[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, lines.join('\n') + '\n');
    return path;
  }

  it('sends -H headers, -X and a --data body to every URL', async () => {
    const file = await input('put.txt', [`${server.origin}/a`, `${server.origin}/b`]);
    const run = await fanout(['fetch', file, ...allow, '-X', 'PUT', '-H', 'X-One: 1', '--header', 'x-two:  two  ', '--data', 'k=v&x=y']);
    expect(run.code).toBe(0);
    expect(records(run.stdout).map((r) => [r.ok, r.method])).toEqual([
      [true, 'PUT'],
      [true, 'PUT'],
    ]);
    for (const path of ['/a', '/b']) {
      const got = server.to(path)[0];
      expect(got?.method).toBe('PUT');
      expect(got?.body.toString()).toBe('k=v&x=y');
      expect(got?.headers).toMatchObject({ 'x-one': '1', 'x-two': 'two', 'content-type': 'application/x-www-form-urlencoded' });
    }
  });

  it('makes --data a POST, sends an @FILE body byte for byte, and reads -H @FILE', async () => {
    const bodyFile = join(dir, 'body.bin');
    const payload = Buffer.concat([binary, Buffer.from('\r\n\0end')]);
    await writeFile(bodyFile, payload);
    const headerFile = join(dir, 'headers.txt');
    await writeFile(headerFile, 'Content-Type: application/octet-stream\r\n\r\nX-From-File: yes\n');
    const file = await input('post.txt', [`${server.origin}/post`]);
    const run = await fanout(['fetch', file, ...allow, '--data', `@${bodyFile}`, '-H', `@${headerFile}`]);
    expect(run.code).toBe(0);
    const got = server.to('/post')[0];
    expect(got?.method).toBe('POST');
    expect(got?.body.equals(payload)).toBe(true);
    expect(got?.headers).toMatchObject({ 'content-type': 'application/octet-stream', 'x-from-file': 'yes' });
  });

  it('reads JSON request lines beside URL lines: the line wins over the flags, meta is echoed, a bad line is its own record', async () => {
    const bigBody = 'b'.repeat(100_000);
    const file = await input('mixed.txt', [
      `${server.origin}/json/plain`,
      JSON.stringify({
        url: `${server.origin}/json/line`,
        method: 'PATCH',
        headers: { 'X-A': 'line' },
        body: '{"n":1}',
        meta: { id: 'a1', n: [1, 2] },
      }),
      '{"url": "not closed',
      JSON.stringify({ url: `${server.origin}/json/b64`, method: 'POST', bodyBase64: binary.toString('base64') }),
      JSON.stringify({ url: `${server.origin}/json/big`, method: 'POST', body: bigBody, meta: 'big' }),
      JSON.stringify({ url: `${server.origin}/json/bad`, method: 'TRACE', meta: 3 }),
      JSON.stringify({ url: `${server.origin}/json/get-body`, method: 'GET', body: 'x' }),
      JSON.stringify({ url: `${server.origin}/json/typo`, heders: {} }),
      JSON.stringify({ url: `${server.origin}/json/host`, headers: { Host: 'elsewhere' } }),
      `${server.origin}/json/last`,
    ]);
    const run = await fanout(['fetch', file, ...allow, '-H', 'x-a: flag', '-H', 'X-B: flag-b']);
    expect(run.code).toBe(0);
    const byLine = new Map(records(run.stdout).map((r) => [r.line, r]));
    expect(byLine.size).toBe(10);
    expect(byLine.get(1)).toMatchObject({ ok: true });
    expect(byLine.get(2)).toMatchObject({ ok: true, method: 'PATCH', meta: { id: 'a1', n: [1, 2] }, url: `${server.origin}/json/line` });
    expect(byLine.get(3)).toMatchObject({ ok: false, url: '', attempts: 0, error: { code: 'BAD_REQUEST' } });
    expect(byLine.get(4)).toMatchObject({ ok: true, method: 'POST' });
    expect(byLine.get(5)).toMatchObject({ ok: true, meta: 'big' });
    expect(byLine.get(6)).toMatchObject({ meta: 3, error: { code: 'BAD_REQUEST', message: expect.stringContaining('TRACE') } });
    expect(byLine.get(7)).toMatchObject({ error: { code: 'BAD_REQUEST', message: 'a GET request cannot have a body' } });
    expect(byLine.get(8)).toMatchObject({ error: { code: 'BAD_REQUEST', message: 'unknown field "heders"' } });
    expect(byLine.get(9)).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringContaining('Host') } });
    expect(byLine.get(10)).toMatchObject({ ok: true });
    const line = server.to('/json/line')[0];
    expect(line?.method).toBe('PATCH');
    expect(line?.body.toString()).toBe('{"n":1}');
    expect(line?.headers).toMatchObject({ 'x-a': 'line', 'x-b': 'flag-b' });
    expect(server.to('/json/plain')[0]?.headers['x-a']).toBe('flag');
    expect(server.to('/json/b64')[0]?.body.equals(binary)).toBe(true);
    expect(server.to('/json/big')[0]?.body.toString()).toBe(bigBody);
    expect(server.received.map((r) => r.path).sort()).toEqual(['/json/plain', '/json/line', '/json/b64', '/json/big', '/json/last'].sort());
  });

  it('puts bodies in the records with --include-body: text, base64, or omitted past the max', async () => {
    const file = await input('include.txt', [`${server.origin}/json/x`, `${server.origin}/binary`, `${server.origin}/big/2000`]);
    const run = await fanout(['fetch', file, ...allow, '--include-body', '--include-body-max', '1000']);
    expect(run.code).toBe(0);
    const [text, bin, big] = records(run.stdout);
    expect(text).toMatchObject({ ok: true, body: JSON.stringify({ path: '/json/x', method: 'GET' }) });
    expect(bin).toMatchObject({ ok: true, bodyBase64: binary.toString('base64') });
    expect(bin).not.toHaveProperty('body');
    expect(big).toMatchObject({ ok: true, bytes: 2000, bodyOmitted: 'larger than 1000 bytes' });
    expect(big).not.toHaveProperty('body');
  });

  it('keeps the response headers --keep-headers names, or all', async () => {
    const file = await input('headers.txt', [`${server.origin}/json/h`]);
    const some = await fanout(['fetch', file, ...allow, '--keep-headers', 'X-Request-ID,content-type']);
    expect(records(some.stdout)[0]?.headers).toEqual({ 'x-request-id': 'rid-1', 'content-type': 'application/json' });
    const all = await fanout(['fetch', file, ...allow, '--keep-headers', 'all']);
    expect(records(all.stdout)[0]?.headers).toMatchObject({
      'x-request-id': 'rid-1',
      'content-type': 'application/json',
      date: expect.any(String),
    });
  });

  it('writes every fully read body once to --bodies DIR/<2 hex>/<sha256>, and nothing of a body cut short', async () => {
    const bodies = join(dir, `bodies-${randomBytes(4).toString('hex')}`);
    const file = await input('bodies.txt', [
      `${server.origin}/distinct/1`,
      `${server.origin}/distinct/2`,
      `${server.origin}/same`,
      `${server.origin}/same`,
      `${server.origin}/big/250000`,
      `${server.origin}/chunked/300`,
      `${server.origin}/big/150000`,
    ]);
    // Small bodies are written whole; the 150,000-byte one streams to a partial file, renamed; the
    // chunked one streams past 64 KiB before --max-bytes cuts it, and its partial file is removed.
    const run = await fanout(['fetch', file, ...allow, '--bodies', bodies, '--max-bytes', '200000']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const recs = records(run.stdout);
    expect(recs[4]).toMatchObject({ error: { code: 'TOO_LARGE' } });
    expect(recs[5]).toMatchObject({ error: { code: 'TOO_LARGE' } });
    const expected = ['body of /distinct/1', 'body of /distinct/2', 'the same body', 'x'.repeat(150_000)];
    for (const [i, text] of expected.entries()) {
      const hash = sha256(text);
      expect(recs[i === 3 ? 6 : i]?.sha256).toBe(hash);
      expect(await readFile(join(bodies, hash.slice(0, 2), hash), 'utf8')).toBe(text);
    }
    const folders = (await readdir(bodies)).sort();
    expect(folders).toEqual([...new Set(expected.map((t) => sha256(t).slice(0, 2)))].sort());
    let files = 0;
    for (const folder of folders) files += (await readdir(join(bodies, folder))).length;
    expect(files).toBe(4);
  });

  it('stops with exit 1 and one line when a body cannot be stored', async () => {
    const bodies = join(dir, `bodies-${randomBytes(4).toString('hex')}`);
    await mkdir(bodies);
    // A file where the body's folder must go: its commit fails.
    await writeFile(join(bodies, sha256('the same body').slice(0, 2)), '');
    const file = await input('store-fails.txt', [`${server.origin}/same`]);
    const run = await fanout(['fetch', file, ...allow, '--bodies', bodies]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining(`cannot write bodies to ${bodies}`)]);
  });

  it('resumes an input of JSON request lines', async () => {
    const lines = [1, 2, 3, 4].map((n) => JSON.stringify({ url: `${server.origin}/json/r${n}`, method: 'POST', body: `n=${n}`, meta: n }));
    const file = await input('resume.txt', lines);
    const out = join(dir, 'resume.jsonl');
    expect((await fanout(['fetch', file, ...allow, '--out', out])).code).toBe(0);
    // As if the run had stopped after two records.
    const firstTwo = (await readFile(out, 'utf8')).split('\n').slice(0, 2).join('\n') + '\n';
    await writeFile(out, firstTwo);
    const done = new Set(records(firstTwo).map((r) => r.line));
    server.received.splice(0);
    const resumed = await fanout(['fetch', file, ...allow, '--out', out, '--resume']);
    expect(resumed.code).toBe(0);
    const all = records(await readFile(out, 'utf8'));
    expect(all.map((r) => r.line).sort()).toEqual([1, 2, 3, 4]);
    expect(all.map((r) => r.meta).sort()).toEqual([1, 2, 3, 4]);
    expect(server.received).toHaveLength(4 - done.size);
  });

  describe('bad flags: exit 2, one line, nothing sent', () => {
    const secretValue = `sv-${randomBytes(8).toString('hex')}`;
    it.each([
      [['-H', `Authorization Bearer ${secretValue}`], 'no colon'],
      [['-H', `Bad Name: ${secretValue}`], 'not an HTTP token'],
      [['-H', `X-Split: a\r\nInjected: ${secretValue}`], 'CR, LF or NUL'],
      [['-X', 'GE T'], 'not an HTTP token'],
      [['-X', 'CONNECT'], 'is not one of'],
      [['-X', 'TRACE'], 'is not one of'],
      [['--data', '@/nonexistent/body'], 'cannot read --data file'],
      [['-X', 'GET', '--data', 'x'], 'cannot have a body'],
      [['-X', 'HEAD', '--data', 'x'], 'cannot have a body'],
      [['-H', 'Host: elsewhere'], 'set by the engine'],
      [['-H', 'Connection: close'], 'set by the engine'],
      [['-H', 'Transfer-Encoding: chunked'], 'set by the engine'],
      [['-H', 'Content-Length: 3'], 'set by the engine'],
      [['-H', 'Keep-Alive: 5'], 'set by the engine'],
      [['-H', 'Upgrade: h2c'], 'set by the engine'],
      [['-H', 'Expect: 100-continue'], 'set by the engine'],
      [['-H', '@/nonexistent/headers'], 'cannot read -H file'],
      [['--since', '/dev/null', '-X', 'POST'], '--since'],
      [['--no-hash', '--bodies', '/tmp/x'], '--no-hash'],
      [['--keep-headers', 'a b'], '--keep-headers'],
      [['--include-body-max', '0', '--include-body'], '--include-body-max'],
    ])('%j', async (args, reason) => {
      const file = await input('bad-flags.txt', [`${server.origin}/never`]);
      const run = await fanout(['fetch', file, ...allow, ...args]);
      expect(run.code).toBe(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(reason);
      expect(run.stderr + run.stdout).not.toContain(secretValue);
      expect(server.received).toEqual([]);
    });

    it('refuses a header with a NUL in -H @FILE', async () => {
      const headers = join(dir, 'nul-headers.txt');
      await writeFile(headers, `X-Nul: ${secretValue}\0\n`);
      const file = await input('bad-flags.txt', [`${server.origin}/never`]);
      const run = await fanout(['fetch', file, ...allow, '-H', `@${headers}`]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('CR, LF or NUL')]);
      expect(run.stderr).not.toContain(secretValue);
      expect(server.received).toEqual([]);
    });

    it('refuses a --data body over 1 MiB', async () => {
      const big = join(dir, 'big-body.bin');
      await writeFile(big, Buffer.alloc(1024 * 1024 + 1, 1));
      const file = await input('bad-flags.txt', [`${server.origin}/never`]);
      const run = await fanout(['fetch', file, ...allow, '--data', `@${big}`]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('over the limit of 1048576')]);
      expect(server.received).toEqual([]);
    });
  });
});
