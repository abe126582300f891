import { createServer, type IncomingMessage } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FETCH_SPEC } from '../../../src/cli/fetch-options';
import { CANCEL_SPEC, REDRIVE_SPEC } from '../../../src/cli/job-commands';
import { REPORT_SPEC } from '../../../src/cli/report-command';
import { RESULTS_SPEC } from '../../../src/cli/results-command';
import { STATUS_SPEC } from '../../../src/cli/status-command';
import { SUBMIT_SPEC } from '../../../src/cli/submit-command';
import { closedLoopbackPort, listenOnLoopback, type LoopbackListener } from '../../support/listen-loopback';
import { runFanout } from '../helpers/fanout-bin';

const SPECS = [FETCH_SPEC, SUBMIT_SPEC, STATUS_SPEC, RESULTS_SPEC, CANCEL_SPEC, REDRIVE_SPEC, REPORT_SPEC];
const KEY = 'the-right-key';

/** This process's environment without anything that points the CLI at an API. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (extra['FANOUT_ENDPOINT'] === undefined) delete env['FANOUT_ENDPOINT'];
  if (extra['FANOUT_API_KEY'] === undefined) delete env['FANOUT_API_KEY'];
  return env;
}

/** Node's own option-parser wording, which must not reach a user. */
function expectOurWords(stderr: string): void {
  expect(stderr).not.toMatch(/as in '|ERR_PARSE_ARGS|Option '|argument is ambiguous|=-/);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('fanout: help, version and usage', () => {
  it('bare, prints a short usage to stderr and exits 2', async () => {
    const run = await runFanout([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(
      /^usage: fanout <command> \[options\]\s+\(commands: fetch, submit, status, results, cancel, redrive, report\)$/,
    );
    expect(lines.length).toBeLessThanOrEqual(3);
  });

  it.each([['--help'], ['-h'], ['help']])('with %s, prints the full help to stdout and exits 0', async (flag) => {
    const run = await runFanout([flag]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    for (const spec of SPECS) expect(run.stdout).toMatch(new RegExp(`^  ${spec.name} +\\S`, 'm'));
    expect(run.stdout).toContain('fanout <command> --help');
    expect(run.stdout).toContain('exit codes:');
  });

  it("with --version, prints package.json's version", async () => {
    const { version } = JSON.parse(await readFile(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(await runFanout(['--version'])).toMatchObject({ code: 0, stdout: `fanout ${version}\n`, stderr: '' });
  });

  it.each(SPECS.map((spec) => [spec.name, spec] as const))(
    "`fanout %s --help` prints that command's help, every option in it, to stdout",
    async (name, spec) => {
      const run = await runFanout([name, '--help']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(new RegExp(`^usage: fanout ${name} `));
      for (const option of spec.options) {
        expect(run.stdout).toMatch(new RegExp(`^  --${option.negated === true ? 'no-' : ''}${option.name}\\b`, 'm'));
      }
      // Another command's help is not this one's.
      expect(run.stdout).not.toMatch(/^usage: fanout (?!\S+ )/m);
      expect((await runFanout([name, '-h'])).stdout).toBe(run.stdout);
    },
  );

  it('covers the options the help used to leave out', async () => {
    expect((await runFanout(['submit', '--help'])).stdout).toMatch(/^ {2}--options JSON +job options/m);
    expect((await runFanout(['results', '--help'])).stdout).toMatch(/^ {2}--changed +/m);
  });

  it('answers --help anywhere on the line, even after bad options', async () => {
    const run = await runFanout(['fetch', '--bogus', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: fanout fetch /);
  });

  it.each([
    [['fetch', '--bogus', 'x'], 'unknown option --bogus (see fanout fetch --help)', 'fetch'],
    [['fetch', '--no-out', 'x'], 'unknown option --no-out (see fanout fetch --help)', 'fetch'],
    [['fetch', '-q', 'x'], 'unknown option -q (see fanout fetch --help)', 'fetch'],
    [['fetch', '--out'], '--out expects a value (FILE)', 'fetch'],
    [['fetch', '--out', '--json', 'x'], '--out expects a value (FILE)', 'fetch'],
    [['fetch', '--json=yes', 'x'], '--json takes no value, got yes', 'fetch'],
    [['fetch', 'a', 'b'], 'expected one input file, got 2: a b', 'fetch'],
    [['status'], 'missing the job id', 'status'],
    [['status', 'a', 'b'], 'expected one job id, got 2: a b', 'status'],
    [['cancel', 'j', '--bogus'], 'unknown option --bogus (see fanout cancel --help)', 'cancel'],
    [['submit'], 'missing the file of URLs (or - for stdin, or s3://bucket/key)', 'submit'],
    [['results', '--partial'], 'missing the job id', 'results'],
  ])('refuses %j in our words: the reason, then the usage line, exit 2', async (args, reason, command) => {
    const run = await runFanout(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [message, usage, ...more] = run.stderr.split('\n');
    expect(message).toBe(`fanout: ${reason}`);
    expect(usage).toMatch(new RegExp(`^usage: fanout ${command} .*\\(fanout ${command} --help for more\\)$`));
    expect(more).toEqual(['']);
    expectOurWords(run.stderr);
  });

  it('takes a value starting with a dash as the value, and the option says what is wrong with it', async () => {
    const run = await runFanout(['fetch', '--per-host', '-XYZ', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('fanout: Expected `--per-host` to be an integer from 1 to 10000, got `-XYZ`\n');
    expectOurWords(run.stderr);
  });
});

describe('fanout API commands: what the API answered, in plain words', () => {
  let api: LoopbackListener;
  const seen: { method: string; url: string; key: string | undefined }[] = [];

  /** The API's error bodies, as src/api/http-errors.ts shapes them. */
  function answer(req: IncomingMessage): { status: number; body: unknown } {
    const key = req.headers['x-api-key'];
    if (key !== KEY) return { status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'Missing or invalid x-api-key' } } };
    if (req.url?.startsWith('/jobs/nope-id') === true)
      return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'No job nope-id' } } };
    if (req.method === 'DELETE' && req.url === '/jobs/done-job') {
      return { status: 409, body: { error: { code: 'CONFLICT', message: 'Job done-job has ended (done); there is nothing to cancel' } } };
    }
    if (req.url === '/jobs/broken') {
      return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error', requestId: 'req-1' } } };
    }
    return { status: 404, body: { error: { code: 'NOT_FOUND', message: `No route ${req.method} ${req.url}` } } };
  }

  beforeAll(async () => {
    api = await listenOnLoopback(
      createServer((req, res) => {
        const key = req.headers['x-api-key'];
        seen.push({ method: req.method ?? '', url: req.url ?? '', key: typeof key === 'string' ? key : undefined });
        req.resume();
        req.on('end', () => {
          const { status, body } = answer(req);
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        });
      }),
    );
  });
  afterAll(() => api.close());

  const withKey = (): NodeJS.ProcessEnv => cleanEnv({ FANOUT_ENDPOINT: api.origin, FANOUT_API_KEY: KEY });

  it.each([
    [['status', 'nope-id'], 'no job nope-id'],
    [['cancel', 'done-job'], 'job done-job has ended (done); there is nothing to cancel'],
    [['results', 'nope-id'], 'no job nope-id'],
    [['status', 'broken'], 'the API failed (HTTP 500): Internal error (request id req-1)'],
  ])('%j: the API refused, one plain line, exit 1 (not an internal error)', async (args, message) => {
    const run = await runFanout(args, undefined, { env: withKey() });
    expect(run).toMatchObject({ code: 1, stdout: '', stderr: `fanout: ${message}\n` });
  });

  it('says the key is missing when the API answers without one, exit 2', async () => {
    const before = seen.length;
    const run = await runFanout(['status', 'job-1'], undefined, { env: cleanEnv({ FANOUT_ENDPOINT: api.origin }) });
    expect(run).toMatchObject({ code: 2, stderr: 'fanout: No API key: pass --api-key or set FANOUT_API_KEY\n' });
    expect(seen.slice(before)).toEqual([{ method: 'GET', url: '/jobs/job-1', key: undefined }]);
  });

  it('says a wrong key was refused, without repeating it, exit 2', async () => {
    const run = await runFanout(['status', 'job-1', '--api-key', 'wrong-secret-value'], undefined, {
      env: cleanEnv({ FANOUT_ENDPOINT: api.origin }),
    });
    expect(run).toMatchObject({ code: 2, stderr: 'fanout: the API refused the key (Missing or invalid x-api-key)\n' });
    expect(run.stderr).not.toContain('wrong-secret-value');
  });

  it('with nothing listening at the endpoint, says so and asks whether `npm start` runs, exit 1', async () => {
    const endpoint = `http://127.0.0.1:${await closedLoopbackPort()}`;
    const dir = await mkdtemp(join(tmpdir(), 'fanout-no-stack-'));
    const file = join(dir, 'urls.txt');
    await writeFile(file, 'https://example.com/\n');
    try {
      for (const args of [
        ['submit', file],
        ['status', 'job-1'],
      ]) {
        const run = await runFanout(args, undefined, { env: cleanEnv({ FANOUT_ENDPOINT: endpoint }) });
        expect(run).toMatchObject({ code: 1, stdout: '', stderr: `fanout: nothing answers at ${endpoint} — is \`npm start\` running?\n` });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never reads a local stack file from the current folder, nor sends its key anywhere', async () => {
    let plantedRequests = 0;
    const planted = await listenOnLoopback(
      createServer((_req, res) => {
        plantedRequests++;
        res.end('{}');
      }),
    );
    const cwd = await mkdtemp(join(tmpdir(), 'fanout-cwd-'));
    try {
      await mkdir(join(cwd, '.local'));
      await writeFile(join(cwd, '.local', 'stack.json'), JSON.stringify({ endpoint: planted.origin, apiKey: 'planted-key' }));
      const before = seen.length;
      const run = await runFanout(['status', 'job-1', '--endpoint', api.origin], undefined, { env: cleanEnv(), cwd });
      expect(run.code).toBe(2);
      expect(seen.slice(before)).toEqual([{ method: 'GET', url: '/jobs/job-1', key: undefined }]);
      expect(plantedRequests).toBe(0);
    } finally {
      await planted.close();
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

describe('fanout report --open', () => {
  it('writes the page under a new private folder, a new one each time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fanout-open-'));
    const input = join(dir, 'one.jsonl');
    const record = { url: 'http://127.0.0.1/a', line: 1, ok: true, status: 200, finalUrl: null, headers: {}, bytes: 1, sha256: null };
    await writeFile(
      input,
      `${JSON.stringify({ ...record, attempts: 1, timings: { dns: null, connect: 1, ttfb: 1, total: 1 }, error: null })}\n`,
    );
    const paths: string[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const run = await runFanout(['report', input, '--open']);
        expect(run.code).toBe(0);
        paths.push(fileURLToPath(run.stdout.trim()));
      }
      const [first, second] = paths as [string, string];
      expect(dirname(first)).not.toBe(dirname(second));
      for (const path of paths) {
        // Not a name in the shared temporary folder, where another user could plant a symlink first.
        expect(dirname(dirname(path))).toBe(tmpdir());
        expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
        expect((await stat(path)).mode & 0o777).toBe(0o600);
        expect(await readFile(path, 'utf8')).toMatch(/^<!doctype html>/);
      }
    } finally {
      for (const path of paths) await rm(dirname(path), { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
