import { Writable } from 'node:stream';
import { Progress } from '../../../src/cli/progress';
import type { RunView } from '../../../src/fetch/types';

/** A stderr stand-in that keeps what was written. */
function terminal(isTTY: boolean): Writable & { isTTY: boolean; text: string[] } {
  const text: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text.push(chunk.toString());
      done();
    },
  });
  return Object.assign(out, { isTTY, text });
}

/** A run view whose numbers the test sets. */
function view(paused: number, waiting: number): RunView & { paused: number; waiting: number } {
  const v = { paused, waiting, pausedHosts: () => v.paused, waitingForTokens: () => v.waiting };
  return v;
}

describe('Progress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('shows paused hosts and URLs waiting for tokens while there are any', () => {
    const out = terminal(true);
    const progress = new Progress(out);
    const run = view(2, 40);
    progress.watch(run);
    progress.total = 100;
    progress.record({ error: null });
    jest.advanceTimersByTime(200);
    expect(out.text.at(-1)).toMatch(/1\/100 .*0 failed.*, 2 hosts paused, 40 waiting for tokens$/);
    run.paused = 1;
    run.waiting = 0;
    jest.advanceTimersByTime(200);
    expect(out.text.at(-1)).toMatch(/, 1 host paused$/);
    run.paused = 0;
    jest.advanceTimersByTime(200);
    expect(out.text.at(-1)).not.toMatch(/paused|waiting/);
    progress.stop();
  });

  it('shows the throttling on plain lines too, and leaves it out of the final line', () => {
    const out = terminal(false);
    const progress = new Progress(out);
    progress.watch(view(3, 7));
    jest.advanceTimersByTime(10_000);
    expect(out.text.at(-1)).toBe('progress: 0 0/s 0 failed, 3 hosts paused, 7 waiting for tokens\n');
    progress.stop();
    expect(out.text.at(-1)).toMatch(/^progress: 0 0\/s 0 failed in \d+s\n$/);
  });

  it('shows no throttling before the run gives its view', () => {
    const out = terminal(false);
    const progress = new Progress(out);
    jest.advanceTimersByTime(10_000);
    expect(out.text.at(-1)).toBe('progress: 0 0/s 0 failed\n');
    progress.stop();
  });
});
