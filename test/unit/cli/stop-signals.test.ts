import { abortOnStopSignals, SAME_STOP_WINDOW_MS, STOPPED_EXIT_CODE } from '../../../src/cli/stop-signals';

/** Listens with a clock the test moves; `stop` removes the listeners. */
function listen() {
  const controller = new AbortController();
  const exits: number[] = [];
  const clock = { now: 5000 };
  const stop = abortOnStopSignals(
    controller,
    (code) => exits.push(code),
    () => clock.now,
  );
  return { controller, exits, clock, stop };
}

describe('abortOnStopSignals', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('aborts on the first %s and exits with 130 on one more than a second later', (signal) => {
    const { controller, exits, clock, stop } = listen();
    try {
      process.emit(signal, signal);
      expect(controller.signal.aborted).toBe(true);
      expect(exits).toEqual([]);
      clock.now += SAME_STOP_WINDOW_MS + 1;
      process.emit(signal, signal);
      expect(exits).toEqual([STOPPED_EXIT_CODE]);
    } finally {
      stop();
    }
  });

  it('takes signals within a second of the first as the same request to stop, as npx and timeout relay them', () => {
    const { controller, exits, clock, stop } = listen();
    try {
      process.emit('SIGINT', 'SIGINT');
      clock.now += 1;
      process.emit('SIGINT', 'SIGINT');
      clock.now += SAME_STOP_WINDOW_MS - 2;
      process.emit('SIGTERM', 'SIGTERM');
      expect(controller.signal.aborted).toBe(true);
      expect(exits).toEqual([]);
    } finally {
      stop();
    }
  });

  it('removes its listeners when told to', () => {
    const before = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    const stop = abortOnStopSignals(new AbortController(), () => undefined);
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(before + 2);
    stop();
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(before);
  });
});
