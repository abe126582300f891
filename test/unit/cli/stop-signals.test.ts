import { abortOnStopSignals, STOPPED_EXIT_CODE } from '../../../src/cli/stop-signals';

describe('abortOnStopSignals', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('aborts on the first %s and exits with 130 on a second', (signal) => {
    const controller = new AbortController();
    const exits: number[] = [];
    const stop = abortOnStopSignals(controller, (code) => exits.push(code));
    try {
      process.emit(signal, signal);
      expect(controller.signal.aborted).toBe(true);
      expect(exits).toEqual([]);
      process.emit(signal, signal);
      expect(exits).toEqual([STOPPED_EXIT_CODE]);
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
