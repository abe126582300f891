import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

const ROOT = join(__dirname, '..', '..', '..');
const ANSWERED = 5;
const HELD = 20;

/**
 * One Ctrl-C reaches `fanout` several times when wrappers relay it: the terminal
 * signals the whole process group, and npx and GNU timeout forward the signal to
 * their child as well. Those copies are one request to stop: the run still writes a
 * record for every URL (the held ones cut after the grace) and exits 130.
 */
describe('fanout fetch, stopped through npx and timeout', () => {
  let server: LoopbackServer;
  let dir: string;
  let held = 0;
  let onHeld: () => void = () => undefined;

  beforeAll(async () => {
    // `/held/` requests get no answer until the server closes; the others one at once.
    server = await startLoopbackServer((req, res) => {
      if (!req.url?.startsWith('/held/')) {
        res.end('answered');
        return;
      }
      held++;
      onHeld();
    });
    dir = await mkdtemp(join(tmpdir(), 'fanout-relayed-'));
  });
  afterAll(() => server.close());

  async function prepare(name: string) {
    const input = join(dir, `${name}.txt`);
    const out = join(dir, `${name}.jsonl`);
    const lines = [
      ...Array.from({ length: ANSWERED }, (_, i) => `${server.origin}/answered/${i}`),
      ...Array.from({ length: HELD }, (_, i) => `${server.origin}/held/${i}`),
    ];
    await writeFile(input, lines.join('\n'));
    held = 0;
    const allHeld = new Promise<void>((resolve) => {
      onHeld = () => {
        if (held === HELD) resolve();
      };
    });
    const args = [
      'fanout',
      'fetch',
      input,
      '--out',
      out,
      '--concurrency',
      '30',
      '--per-host',
      '30',
      '--allow-net',
      `127.0.0.1:${server.port}`,
      '--no-progress',
    ];
    return { out, args, allHeld };
  }

  /** Starts `command` in a process group of its own (as a shell runs a foreground job); resolves with its exit code. */
  function start(command: string, args: readonly string[]) {
    const child = spawn(command, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // What a shell shows as `$?`: the exit code, or 128 + the signal's number (SIGINT: 130).
    const ended = new Promise<{ status: number | null; stderr: string }>((resolve) => {
      child.once('close', (code, signal) => resolve({ status: signal === 'SIGINT' ? 130 : code, stderr }));
    });
    return { child, ended };
  }

  async function records(out: string): Promise<{ line: number; ok: boolean; error: { code: string } | null }[]> {
    return (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  }

  /**
   * Copies sent at the same instant may merge into one pending signal before Node sees
   * them; one relayed a little later (a busy machine, a slow wrapper) does not. So a
   * second Ctrl-C to the group, 200 ms after the first, well inside the second in
   * which signals count as one.
   */
  async function aCopyLater(pid: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(-pid, 'SIGINT');
  }

  function expectEveryRecord(written: Awaited<ReturnType<typeof records>>): void {
    expect(written.map((r) => r.line).sort((a, b) => a - b)).toEqual(Array.from({ length: ANSWERED + HELD }, (_, i) => i + 1));
    expect(written.filter((r) => r.ok)).toHaveLength(ANSWERED);
    expect(written.filter((r) => r.error?.code === 'DEADLINE')).toHaveLength(HELD);
  }

  /** npx alone takes over 2 s of a loaded 2-core machine to start. */
  jest.setTimeout(90_000);

  it('writes every record and exits 130 after Ctrl-C to the process group of `npx fanout fetch`', async () => {
    const { out, args, allHeld } = await prepare('npx');
    const run = start('npx', ['--offline', ...args]);
    await allHeld;
    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group (npx and fanout).
    process.kill(-(run.child.pid as number), 'SIGINT');
    await aCopyLater(run.child.pid as number);
    // npx, signalled too, ends itself by SIGINT once fanout has exited 130: either way the shell reads 130.
    const { status, stderr } = await run.ended;
    expect(status).toBe(130);
    expectEveryRecord(await records(out));
    expect(stderr).toContain(`fanout: stopped: ${HELD} of ${ANSWERED + HELD} URLs not fetched; to continue:`);
  });

  it.each([
    // The case: Ctrl-C to the group of `timeout 60 npx fanout fetch`; timeout relays
    // it to its group again, so fanout gets two SIGINTs within milliseconds.
    ['Ctrl-C reaches the process group of', (pid: number): void => void process.kill(-pid, 'SIGINT')],
    // Its limit running out: on SIGALRM GNU timeout acts as at the end of its time (signals
    // npx, then its whole group). Ended early so that npx's start-up on a loaded machine
    // (over 2 s) cannot make the test stop fanout before it has started.
    ['the limit of `timeout -s INT` runs out on', (pid: number): void => void process.kill(pid, 'SIGALRM')],
  ] as const)('writes every record and exits 130 when %s `timeout npx fanout fetch`', async (_case, stop) => {
    const { out, args, allHeld } = await prepare('timeout');
    const run = start('timeout', ['--preserve-status', '-s', 'INT', '60', 'npx', '--offline', ...args]);
    await allHeld;
    stop(run.child.pid as number);
    await aCopyLater(run.child.pid as number);
    const { status } = await run.ended;
    expect(status).toBe(130);
    expectEveryRecord(await records(out));
  });
});
