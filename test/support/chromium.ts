import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Debian's `chromium` package puts the browser here; FANOUT_CHROMIUM names another. */
export const CHROMIUM_PATH = process.env['FANOUT_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Flags for every start: headless, and nothing the browser would fetch by itself
 * (component updates, sync, QUIC, background requests), so a test reaches no address
 * but the page it names.
 */
const SAFE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
] as const;

/**
 * Installs Debian's `chromium` when it is missing and this machine can (root, apt-get),
 * once, from the integration project's global setup. Returns why it is unavailable,
 * or undefined when it is there; never throws, so a machine without it skips the
 * browser test instead of failing the run.
 */
export function ensureChromium(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get'))
    return `${CHROMIUM_PATH} is missing and apt-get cannot run here (not root, or not Debian)`;
  const apt = (args: string[]): void => {
    execFileSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  };
  try {
    process.stderr.write('integration setup: installing chromium (apt-get install -y chromium) for the report page test\n');
    try {
      apt(['install', '-y', 'chromium']);
    } catch {
      apt(['update']);
      apt(['install', '-y', 'chromium']);
    }
  } catch (error) {
    return `apt-get install -y chromium failed: ${(error as Error).message.split('\n')[0]}`;
  }
  return existsSync(CHROMIUM_PATH) ? undefined : `apt-get installed chromium, but ${CHROMIUM_PATH} is not there`;
}

/**
 * Runs headless Chromium once on a page, with a fresh profile it removes afterwards.
 * Only `file://` pages and loopback HTTP are allowed: the test must reach nothing else.
 * Resolves to what the browser printed on stdout (the DOM, for `--dump-dom`).
 */
export async function runChromium(url: string, flags: readonly string[]): Promise<string> {
  if (!/^(file:\/\/\/|http:\/\/127\.0\.0\.1:\d+\/)/.test(url)) throw new Error(`refusing to load ${url}: file:// or http://127.0.0.1 only`);
  const profile = await mkdtemp(join(tmpdir(), 'fanout-chromium-'));
  try {
    const { stdout } = await execFileAsync(CHROMIUM_PATH, [...SAFE_FLAGS, `--user-data-dir=${profile}`, ...flags, url], {
      timeout: 90_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
