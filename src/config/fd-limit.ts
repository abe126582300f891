import { readFileSync } from 'node:fs';

/** The soft limit assumed where it cannot be read: AWS Lambda's, and many shells' default. */
const ASSUMED_FD_LIMIT = 1024;

/**
 * The process's soft limit on open file descriptors (`ulimit -n`). Node has no
 * `getrlimit`; on Linux (Lambda included) `/proc/self/limits` says it. Elsewhere,
 * or when it reads "unlimited", 1,024 is assumed, which errs on the safe side.
 */
export function openFileLimit(): number {
  try {
    const text = readFileSync('/proc/self/limits', 'latin1');
    const soft = /^Max open files\s+(\d+)/m.exec(text)?.[1];
    return soft === undefined ? ASSUMED_FD_LIMIT : Number(soft);
  } catch {
    return ASSUMED_FD_LIMIT;
  }
}

/**
 * The default socket budget for a process allowed `fdLimit` open files: three
 * quarters of it, and at least 128 below it, leaving room for the input and output
 * files, the DNS resolver's sockets, stdio and whatever the host process opens;
 * at most 50,000 (a run of one process rarely needs more, and each idle socket
 * holds kernel memory). At 1,024 (Lambda) that is 768.
 */
export function defaultSocketBudget(fdLimit: number = openFileLimit()): number {
  return Math.max(16, Math.min(Math.floor(fdLimit * 0.75), fdLimit - 128, 50_000));
}
