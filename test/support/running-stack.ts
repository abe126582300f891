/**
 * Hand-over between a jest global setup and its teardown. Both run in jest's parent
 * process but may be loaded as separate module instances, so the stop functions live
 * on `globalThis`, keyed by name.
 */
const KEY = Symbol.for('fanout.test.running');

type Registry = Map<string, () => Promise<void>>;

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[KEY] ??= new Map();
  return holder[KEY];
}

/** Remembers how to stop what a global setup started. */
export function setRunning(name: string, stop: () => Promise<void>): void {
  registry().set(name, stop);
}

/** Stops what {@link setRunning} registered under `name`; a no-op if nothing was. */
export async function stopRunning(name: string): Promise<void> {
  const stop = registry().get(name);
  registry().delete(name);
  await stop?.();
}
