/** The signals that ask a run to stop: Ctrl-C, and what `kill` and process managers send. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Exit code of a run stopped by a signal (128 + SIGINT's number, as shells report Ctrl-C). */
export const STOPPED_EXIT_CODE = 130;

/**
 * Signals this soon after the first are the same request to stop. One Ctrl-C under
 * `npx`, or a `timeout` expiring, reaches us several times within milliseconds: the
 * terminal signals the whole process group, and npx and timeout forward it too.
 */
export const SAME_STOP_WINDOW_MS = 1000;

/**
 * Turns SIGINT/SIGTERM into a graceful stop: the first aborts `controller` (the run
 * then starts nothing more and writes a record for every URL); a signal more than
 * {@link SAME_STOP_WINDOW_MS} after it exits at once with {@link STOPPED_EXIT_CODE},
 * for a user who will not wait. Returns a function that removes the listeners (and
 * so restores the default: exit at once). `now` is for tests.
 */
export function abortOnStopSignals(
  controller: AbortController,
  exit: (code: number) => void = process.exit,
  now: () => number = () => performance.now(),
): () => void {
  let firstAt: number | null = null;
  const onSignal = (): void => {
    if (firstAt === null) {
      firstAt = now();
      controller.abort();
    } else if (now() - firstAt > SAME_STOP_WINDOW_MS) {
      exit(STOPPED_EXIT_CODE);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
}
