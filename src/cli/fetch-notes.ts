/**
 * What `fanout fetch` tells at the end of a run besides the records: the `--json`
 * summary line, and stderr hints when the records alone would leave a user guessing
 * (every URL refused by the network guard, `localhost` refused or unknown, a run
 * stopped by a signal and how to continue it).
 */
import { FETCH_ERROR_CODES } from '../errors';
import type { FetchResult } from '../fetch/result';
import type { RunSummary } from '../fetch/types';
import { isLocalhostName } from '../net/guard';
import { REFETCHED_CODES } from './resume-file';

/** Codes a `localhost` URL fails with: refused by the guard, or looked up in DNS, which does not know it. */
const LOCALHOST_FAILURES: ReadonlySet<string> = new Set([
  FETCH_ERROR_CODES.BLOCKED_ADDRESS,
  FETCH_ERROR_CODES.DNS,
  FETCH_ERROR_CODES.TIMEOUT_DNS,
]);

/** How the run was started, for the hint that repeats its command with `--resume`. */
export interface RunCommand {
  /** The arguments after `fanout fetch`, as given. */
  readonly argv: readonly string[];
  readonly input: string;
  readonly out: string | undefined;
  /** How options whose values are secrets (request headers) are spelled (`--header`, `-H`): left out of the repeated command. */
  readonly secretOptions: ReadonlySet<string>;
}

/** Watches the records of a run for what the end-of-run lines need. */
export class RunNotes {
  /** Body bytes of every record. */
  bytes = 0;
  #blocked: string | null = null;
  #localhost = 0;
  #localhostPort: string | null = null;
  #left = 0;

  /** Takes one record into account; called for every record, in any order. */
  see(result: FetchResult): void {
    this.bytes += result.bytes;
    const code = result.error?.code;
    if (code === undefined) return;
    if (REFETCHED_CODES.has(code)) this.#left++;
    if (code === FETCH_ERROR_CODES.BLOCKED_ADDRESS || LOCALHOST_FAILURES.has(code)) {
      const url = URL.parse(result.url);
      if (url === null) return;
      if (isLocalhostName(url.hostname) && LOCALHOST_FAILURES.has(code)) {
        this.#localhost++;
        this.#localhostPort ??= url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
      } else if (code === FETCH_ERROR_CODES.BLOCKED_ADDRESS) {
        this.#blocked ??= url.port === '' ? url.hostname : `${url.hostname}:${url.port}`;
      }
    }
  }

  /** Lines for stderr (each a full line, ending in a newline); none when the records speak for themselves. */
  hints(summary: RunSummary, stopped: boolean, command: RunCommand): string[] {
    const lines: string[] = [];
    if (this.#localhost > 0) {
      const port = this.#localhostPort ?? '80';
      lines.push(
        `fanout: ${this.#localhost === 1 ? '1 URL names' : `${this.#localhost} URLs name`} localhost, which the network guard does not resolve (it is refused, or looked up in DNS, which does not know it): use 127.0.0.1 instead, with --allow-net 127.0.0.1:${port}\n`,
      );
    }
    const blocked = summary.errors.BLOCKED_ADDRESS ?? 0;
    if (summary.total > 0 && blocked === summary.total && this.#blocked !== null) {
      lines.push(
        `fanout: every URL was refused by the network guard (BLOCKED_ADDRESS: loopback and private addresses are refused unless allowed); to fetch from ${this.#blocked}, add --allow-net ${this.#blocked}\n`,
      );
    }
    if (stopped && this.#left > 0) lines.push(resumeHint(this.#left, summary.total, command));
    return lines;
  }
}

/** The `--json` summary line's fields; rates count the URLs tried, not those a stopped run never started. */
export function jsonSummary(
  summary: RunSummary,
  extra: { bytes: number; cpuMs: number; skipped?: number; changes?: Record<string, number> },
): Record<string, unknown> {
  const seconds = summary.elapsedMs / 1000;
  const tried = summary.total - summary.notAttempted;
  return {
    total: summary.total,
    ok: summary.ok,
    failed: summary.failed,
    not_attempted: summary.notAttempted,
    ...(extra.skipped === undefined ? {} : { skipped: extra.skipped }),
    ...(extra.changes === undefined ? {} : { changes: extra.changes }),
    errors: summary.errors,
    hosts: {
      throttled: summary.hosts.throttled,
      paused_s: round(summary.hosts.pausedMs / 1000, 1),
      unavailable: summary.hosts.unavailable,
      gave_up: summary.hosts.gaveUp,
    },
    elapsed_s: round(seconds, 3),
    requests_per_s: round(seconds > 0 ? tried / seconds : 0, 1),
    bytes: extra.bytes,
    mib_per_s: round(seconds > 0 ? extra.bytes / 1048576 / seconds : 0, 1),
    cpu_ms: round(extra.cpuMs, 1),
    cpu_us_per_request: round(tried > 0 ? (extra.cpuMs * 1000) / tried : 0, 2),
    max_rss_mib: round(process.resourceUsage().maxRSS / 1024, 1),
  };
}

/**
 * After a stop: how many URLs are left and the exact command that fetches them.
 * Only a run writing to a file from a file can be resumed (the file is read twice).
 */
function resumeHint(left: number, total: number, command: RunCommand): string {
  const head = `fanout: stopped: ${left} of ${total} URLs not fetched`;
  if (command.out === undefined || command.input === '-') {
    return `${head}; to be able to continue a stopped run, read the URLs from a file and write with --out FILE, then run the same command with --resume\n`;
  }
  const { argv, hidden } = withoutSecrets(command.argv, command.secretOptions);
  const resumed = argv.includes('--resume') ? argv : [...argv, '--resume'];
  const note = hidden.size === 0 ? '' : ` (the values of ${[...hidden].join(', ')} are left out: give them again)`;
  return `${head}; to continue: fanout fetch ${resumed.map(shellQuote).join(' ')}${note}\n`;
}

/**
 * The arguments with every value of a secret option replaced by `…`, and which
 * options that hid. `secret` holds their spellings: `--header`, `-H`.
 */
function withoutSecrets(argv: readonly string[], secret: ReadonlySet<string>): { argv: string[]; hidden: Set<string> } {
  const hidden = new Set<string>();
  const shown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      shown.push(...argv.slice(i));
      break;
    }
    if (secret.has(arg)) {
      // `--header VALUE`, `-H VALUE`
      hidden.add(arg);
      shown.push(arg, '…');
      i++;
      continue;
    }
    // `--header=VALUE`, `-HVALUE`
    const glued = [...secret].find((flag) => (flag.startsWith('--') ? arg.startsWith(`${flag}=`) : arg.startsWith(flag)));
    if (glued === undefined) shown.push(arg);
    else {
      hidden.add(glued);
      shown.push(`${glued}${glued.startsWith('--') ? '=' : ''}…`);
    }
  }
  return { argv: shown, hidden };
}

/** An argument as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
