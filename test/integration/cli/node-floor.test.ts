import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FANOUT_BIN } from '../../support/build-cli';

const ROOT = join(__dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'dist', 'fanout.cjs');
/** The machine's own Node (20 here), older than the floor; `process.execPath` is the pinned Node 24. */
const OLD_NODE = '/usr/bin/node';

function run(node: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, args, { cwd: ROOT, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

async function floor(): Promise<string> {
  const { engines } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  return engines.node;
}

describe('the Node floor', () => {
  it("is package.json's engines.node, no lower than undici's", async () => {
    const ours = await floor();
    const undici = (
      JSON.parse(await readFile(join(ROOT, 'node_modules', 'undici', 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    /** `>=22.19.0` as 22019000, comparable. */
    const rank = (range: string): number => {
      const [major = 0, minor = 0, patch = 0] = (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(range) ?? []).slice(1).map((part) => Number(part ?? 0));
      return major * 1e6 + minor * 1e3 + patch;
    };
    expect(rank(ours)).toBeGreaterThan(0);
    expect(rank(ours)).toBeGreaterThanOrEqual(rank(undici));
  });

  const old = existsSync(OLD_NODE) ? it : it.skip;
  old.each([
    ['the bin', FANOUT_BIN],
    ['the bundle', BUNDLE],
  ])('%s refuses an older Node in one line, exit 1, before undici loads', async (_name, entry) => {
    const result = await run(OLD_NODE, [entry, 'fetch', '--help']);
    const oldVersion = (await run(OLD_NODE, ['--version'])).stdout.trim().replace(/^v/, '');
    const need = /(\d+\.\d+\.\d+)/.exec(await floor())?.[1];
    // oxlint-disable-next-line jest/no-standalone-expect -- inside `old.each`, an `it` the linter cannot see through
    expect(result).toEqual({ code: 1, stdout: '', stderr: `fanout: needs Node.js ${need} or later, this is ${oldVersion}\n` });
  });

  it('the bundle run directly on the pinned Node runs the CLI', async () => {
    const version = await run(process.execPath, [BUNDLE, '--version']);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^fanout \d+\.\d+\.\d+\n$/) });
    const usage = await run(process.execPath, [BUNDLE]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^usage: fanout <command>/);
  });
});
