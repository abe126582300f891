/** The signals that ask a run to stop: Ctrl-C, and what `kill` and process managers send. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Exit code of a run stopped by a signal (128 + SIGINT's number, as shells report Ctrl-C). */
export const STOPPED_EXIT_CODE = 130;

/**
 * Turns SIGINT/SIGTERM into a graceful stop: the first aborts `controller` (the run
 * then starts nothing more and writes a record for every URL); a second exits at
 * once with {@link STOPPED_EXIT_CODE}, for a user who will not wait. Returns a
 * function that removes the listeners (and so restores the default: exit at once).
 */
export function abortOnStopSignals(controller: AbortController, exit: (code: number) => void = process.exit): () => void {
  const onSignal = (): void => {
    if (controller.signal.aborted) exit(STOPPED_EXIT_CODE);
    else controller.abort();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
}
