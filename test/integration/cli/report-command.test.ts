import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFanout } from '../helpers/fanout-bin';

/** A `fanout fetch` record; `code` makes it a failure. */
function line(n: number, url: string, code?: string): string {
  return JSON.stringify({
    url,
    line: n,
    ok: code === undefined,
    status: code === undefined ? 200 : null,
    finalUrl: code === undefined ? url : null,
    headers: {},
    bytes: 10,
    sha256: null,
    attempts: 1,
    timings: { dns: null, connect: 1, ttfb: 5, total: 6 },
    error: code === undefined ? null : { code, message: code },
  });
}

describe('fanout report <file>', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-report-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the HTML report of a fetch output file to --out', async () => {
    const input = join(dir, 'results.jsonl');
    await writeFile(input, `${line(1, 'http://127.0.0.1/a')}\n${line(2, 'http://127.0.0.1/<script>', 'CONNECT')}\n`);
    const out = join(dir, 'report.html');
    const run = await runFanout(['report', input, '--out', out]);
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: `report written to ${out}\n` });
    const page = await readFile(out, 'utf8');
    expect(page).toMatch(/data-metric="records">2</);
    expect(page).toMatch(/data-metric="code-CONNECT">1</);
    expect(page).toContain('http://127.0.0.1/&lt;script&gt;');
  });

  it('with --open, prints the file:// URL of the page (and starts no browser)', async () => {
    const input = join(dir, 'one.jsonl');
    await writeFile(input, `${line(1, 'http://127.0.0.1/a')}\n`);
    const run = await runFanout(['report', input, '--open', '--out', join(dir, 'open.html')]);
    expect(run.code).toBe(0);
    const url = run.stdout.trim();
    expect(url).toMatch(/^file:\/\//);
    expect(await readFile(fileURLToPath(url), 'utf8')).toMatch(/^<!doctype html>/);
    const temporary = await runFanout(['report', input, '--open']);
    expect(temporary.code).toBe(0);
    const path = fileURLToPath(temporary.stdout.trim());
    expect(path.startsWith(tmpdir())).toBe(true);
    expect(await readFile(path, 'utf8')).toMatch(/data-metric="records">1</);
    await rm(path);
  });

  it('reads the records from stdin for -, and writes the page to stdout without --out', async () => {
    const run = await runFanout(['report', '-'], `${line(1, 'http://127.0.0.1/a')}\n${line(2, 'http://127.0.0.1/b', 'DNS')}\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^<!doctype html>/);
    expect(run.stdout).toMatch(/data-metric="code-DNS">1</);
    expect(run.stdout).toContain('results file <code>(stdin)</code>');
  });

  it('exits 2 with one line for a path that cannot be read, and hints at --job for what looks like a job id', async () => {
    const missing = await runFanout(['report', join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`fanout: Cannot read ${join(dir, 'nope.jsonl')}: ENOENT\n`);
    const jobLike = await runFanout(['report', '2f0c1a7e-5b1d-4c3a-9e61-0a1b2c3d4e5f']);
    expect(jobLike.code).toBe(2);
    expect(jobLike.stderr).toContain("(for a job's report: fanout report --job 2f0c1a7e-5b1d-4c3a-9e61-0a1b2c3d4e5f)");
    expect(jobLike.stderr.trim().split('\n')).toHaveLength(1);
    const folder = await runFanout(['report', dir]);
    expect(folder).toMatchObject({ code: 2, stderr: `fanout: Cannot read ${dir}: not a file\n` });
  });

  it('exits 2 naming the line of a file that is not JSON lines, and leaves no empty --out behind', async () => {
    const input = join(dir, 'urls.txt');
    await writeFile(input, `${line(1, 'http://127.0.0.1/a')}\nhttp://127.0.0.1/b\n`);
    const out = join(dir, 'never.html');
    const run = await runFanout(['report', input, '--out', out]);
    expect(run).toMatchObject({ code: 2, stdout: '', stderr: `fanout: ${input}: line 2 is not JSON\n` });
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 2 for an --out that cannot be written, before reading anything', async () => {
    const input = join(dir, 'ok.jsonl');
    await writeFile(input, `${line(1, 'http://127.0.0.1/a')}\n`);
    const run = await runFanout(['report', input, '--out', join(dir, 'no-such-dir', 'r.html')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^fanout: Cannot write .*no-such-dir.*: ENOENT\n$/);
  });

  it.each([
    [['report'], 'missing the results file (or --job ID)'],
    [['report', 'a.jsonl', '--job', 'j1'], 'give a results file or --job ID, not both'],
  ])('exits 2 with the reason and the usage for %j', async (args, reason) => {
    const run = await runFanout(args);
    expect(run.code).toBe(2);
    const [message, usage, orUsage] = run.stderr.split('\n');
    expect(message).toBe(`fanout: ${reason}`);
    expect(usage).toMatch(/^usage: fanout report <results\.jsonl\|->/);
    expect(orUsage).toMatch(/^   or: fanout report --job <jobId>/);
  });
});
