import type { Writable } from 'node:stream';
import { FETCH_ERROR_CODES } from '../errors';
import type { FetchResult } from '../fetch/result';
import type { RunView } from '../fetch/types';

/** How often the bar is redrawn on a terminal, and a plain line written elsewhere. */
const TTY_INTERVAL_MS = 200;
const PLAIN_INTERVAL_MS = 10_000;

/**
 * Progress on stderr: a one-line bar redrawn in place when stderr is a terminal
 * (done/total, rate, failures, ETA); a plain line every 10 s otherwise, so logs
 * stay readable. `total` may be unknown (input from a pipe).
 *
 * It counts as the run's summary does (src/fetch/run/result-sink.ts): a record
 * without an error is ok, a NOT_ATTEMPTED one (a URL a stopped run never tried) is
 * not attempted, any other failed; the rate counts only URLs tried.
 */
export class Progress {
  readonly #out: Writable & { isTTY?: boolean; columns?: number };
  readonly #tty: boolean;
  readonly #startedAt = Date.now();
  readonly #timer: NodeJS.Timeout;
  #done = 0;
  #failed = 0;
  #notAttempted = 0;
  #total: number | null = null;
  #stopped = false;
  #view: RunView | null = null;

  constructor(out: Writable & { isTTY?: boolean; columns?: number }) {
    this.#out = out;
    this.#tty = out.isTTY === true;
    this.#timer = setInterval(() => this.#draw(false), this.#tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Shows the run's throttling too: hosts paused, URLs waiting for a token. */
  watch(view: RunView): void {
    this.#view = view;
  }

  set total(total: number | null) {
    this.#total = total;
  }

  record(result: Pick<FetchResult, 'error'>): void {
    this.#done++;
    if (result.error === null) return;
    if (result.error.code === FETCH_ERROR_CODES.NOT_ATTEMPTED) this.#notAttempted++;
    else this.#failed++;
  }

  /** Draws the final state once; later calls do nothing. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#draw(true);
  }

  #draw(last: boolean): void {
    const elapsed = (Date.now() - this.#startedAt) / 1000;
    const rate = elapsed > 0 ? (this.#done - this.#notAttempted) / elapsed : 0;
    const total = this.#total;
    const counts = total === null ? `${this.#done}` : `${this.#done}/${total}`;
    const eta = total !== null && rate > 0 ? ` ETA ${formatDuration((total - this.#done) / rate)}` : '';
    const skipped = this.#notAttempted > 0 ? `, ${this.#notAttempted} not attempted` : '';
    const stats = `${counts} ${rate.toFixed(0)}/s ${this.#failed} failed${skipped}${last ? ` in ${formatDuration(elapsed)}` : `${eta}${throttling(this.#view)}`}`;
    if (!this.#tty) {
      this.#out.write(`progress: ${stats}\n`);
      return;
    }
    this.#out.write(`\r\x1b[2K${bar(this.#done, total)}${stats}${last ? '\n' : ''}`);
  }
}

/** `, 2 hosts paused, 40 waiting for tokens` while there are any. */
function throttling(view: RunView | null): string {
  if (view === null) return '';
  const paused = view.pausedHosts();
  const waiting = view.waitingForTokens();
  return `${paused > 0 ? `, ${paused} host${paused === 1 ? '' : 's'} paused` : ''}${waiting > 0 ? `, ${waiting} waiting for tokens` : ''}`;
}

/** `[#####.....] ` for `done` of `total`, or nothing when the total is unknown. */
export function bar(done: number, total: number | null, width = 24): string {
  if (total === null) return '';
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
