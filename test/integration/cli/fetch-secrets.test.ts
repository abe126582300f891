import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFanout as fanout } from '../helpers/fanout-bin';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server';

/**
 * Credentials given to `fanout fetch` (-H, JSON request lines) never appear in what it
 * writes: records, the summary, debug logs, error messages, the report. The values are
 * random, so finding one anywhere is a leak, not a coincidence.
 */
describe('fanout fetch: secrets never written', () => {
  let site: RecordingServer;
  let other: RecordingServer;
  let dir: string;

  beforeAll(async () => {
    other = await startRecordingServer((_request, res) => {
      res.statusCode = 500;
      res.end('other');
    });
    site = await startRecordingServer((request, res, req) => {
      if (request.path === '/to-other') {
        res.writeHead(302, { location: `${other.origin}/landing` });
        res.end();
      } else if (request.path === '/reset') {
        req.socket.destroy();
      } else {
        res.statusCode = request.path === '/missing' ? 404 : 200;
        res.end('site');
      }
    });
    dir = await mkdtemp(join(tmpdir(), 'fanout-secrets-'));
  });
  afterAll(async () => {
    await site.close();
    await other.close();
  });

  it('keeps header values out of records, logs at debug, errors, the summary and the report', async () => {
    const secret = (): string => `secret-${randomBytes(12).toString('hex')}`;
    const secrets = {
      flagAuthorization: secret(),
      lineAuthorization: secret(),
      cookie: secret(),
      proxy: secret(),
      brokenJson: secret(),
      badValue: secret(),
      badName: secret(),
    };
    const headerFile = join(dir, 'headers.txt');
    await writeFile(headerFile, `Authorization: Bearer ${secrets.flagAuthorization}\nProxy-Authorization: Basic ${secrets.proxy}\n`);
    const lines = [
      `${site.origin}/plain`,
      JSON.stringify({
        url: `${site.origin}/to-other`,
        headers: { authorization: `Bearer ${secrets.lineAuthorization}`, Cookie: secrets.cookie },
      }),
      JSON.stringify({ url: `${site.origin}/missing`, method: 'POST', body: 'x' }),
      JSON.stringify({ url: `${site.origin}/reset`, method: 'POST', body: 'x' }),
      `{"url": "${site.origin}/broken", "headers": {"Cookie": ${secrets.brokenJson}}}`,
      JSON.stringify({ url: `${site.origin}/bad-value`, headers: { 'X-Key': `${secrets.badValue}\r\nX-Injected: 1` } }),
      JSON.stringify({ url: `${site.origin}/bad-name`, headers: { [`X ${secrets.badName}`]: 'v' } }),
      `http://10.0.0.1/blocked`,
    ];
    const file = join(dir, 'input.txt');
    await writeFile(file, lines.join('\n') + '\n');
    const out = join(dir, 'out.jsonl');
    const run = await fanout([
      'fetch',
      file,
      '--allow-net',
      `127.0.0.1:${site.port}`,
      '--allow-net',
      `127.0.0.1:${other.port}`,
      '-H',
      `@${headerFile}`,
      '--out',
      out,
      '--json',
      '--log-level',
      'debug',
      '--retries',
      '1',
    ]);
    expect(run.code).toBe(0);
    const written = await readFile(out, 'utf8');
    const codes = written
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; error: { code: string } | null })
      .sort((a, b) => a.line - b.line)
      .map((r) => r.error?.code ?? 'OK');
    expect(codes).toEqual([
      'OK',
      'HTTP_STATUS',
      'HTTP_STATUS',
      'CONNECTION_RESET',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BLOCKED_ADDRESS',
    ]);
    // The debug log had something to say about each failure.
    expect(run.stderr).toContain('url failed');
    const report = await fanout(['report', out]);
    expect(report.code).toBe(0);
    // The secrets went where they were meant to: the first origin, and only it.
    expect(site.to('/to-other')[0]?.headers.authorization).toBe(`Bearer ${secrets.lineAuthorization}`);
    expect(JSON.stringify(other.received)).not.toMatch(/secret-/);
    // Not even part of one (JSON.parse quotes a few characters around a syntax error).
    const outputs = { written, stdout: run.stdout, stderr: run.stderr, report: report.stdout + report.stderr };
    for (const [where, text] of Object.entries(outputs)) expect([where, /secret-/.test(text)]).toEqual([where, false]);
    for (const [name, value] of Object.entries(secrets)) {
      for (const [where, text] of Object.entries({
        written,
        stdout: run.stdout,
        stderr: run.stderr,
        report: report.stdout + report.stderr,
      })) {
        expect([name, where, text.includes(value)]).toEqual([name, where, false]);
      }
    }
  });
});
