import type { DnsCache, NameAnswer } from '../../net/dns-cache';
import type { Task } from './task';

/**
 * The DNS phase of a run, ahead of the request slots: a URL whose name is not in
 * the cache waits here, holding no slot, until the engine's {@link DnsCache} has
 * the answer (one lookup per name, shared), then goes on to the scheduler. The
 * run's look-ahead counts the tasks waiting here, so a run of many names resolves
 * up to a look-ahead's worth of them at once while earlier URLs are fetched.
 */
export class ResolveAhead {
  readonly #dns: DnsCache;
  readonly #resolved: (task: Task, answer: NameAnswer) => void;
  readonly #waiting = new Set<Task>();

  /** @param resolved called once per task that had to wait, with its answer (unless cancelled) */
  constructor(dns: DnsCache, resolved: (task: Task, answer: NameAnswer) => void) {
    this.#dns = dns;
    this.#resolved = resolved;
  }

  /** Tasks waiting for their name. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /**
   * The answer for the task's name now, when it is known (an IP literal or a fresh
   * cache entry); else null, and `resolved` is called with it later.
   */
  resolve(task: Task): NameAnswer | null {
    const hostname = task.url.hostname;
    const known = this.#dns.peek(hostname, task.port);
    if (known !== undefined) {
      if (task.dnsMs === null && !isLiteral(task)) task.dnsMs = 0;
      return known;
    }
    const started = performance.now();
    this.#waiting.add(task);
    void this.#dns.lookup(hostname, task.port).then((answer) => {
      if (!this.#waiting.delete(task)) return;
      task.dnsMs = Math.round((performance.now() - started) * 10) / 10;
      this.#resolved(task, answer);
    });
    return null;
  }

  /** Stops waiting for every name; returns the tasks, whose answers will be ignored. */
  cancelAll(): Task[] {
    const tasks = [...this.#waiting];
    this.#waiting.clear();
    return tasks;
  }
}

/**
 * True when the URL's host is an IP literal: no lookup, no `timings.dns`. The URL
 * parser has already canonicalised it: a host in brackets is IPv6, and one ending
 * in a digit was parsed as IPv4 (the WHATWG "ends in a number" rule).
 */
function isLiteral(task: Task): boolean {
  const h = task.url.hostname;
  const last = h.charCodeAt(h.length - 1);
  return h.charCodeAt(0) === 91 || (last >= 48 && last <= 57);
}
