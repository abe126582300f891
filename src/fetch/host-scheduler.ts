import { Fifo } from './fifo';

/**
 * Admission control for the engine: at most `limit` tasks run at once, and at most
 * `perHost` of them share a host. Tasks wait in a FIFO per host; hosts with work
 * and spare capacity wait in a FIFO of their own, so a slot that frees goes to the
 * next host in turn (round robin) instead of to a task stuck behind a busy host.
 *
 * Everything is synchronous and O(1) per task: no promise per waiting task, which
 * keeps memory flat and the hot path cheap at tens of thousands of tasks a second.
 */
export class HostScheduler<T> {
  readonly #limit: number;
  readonly #perHost: number;
  readonly #start: (task: T, host: string) => void;
  readonly #hosts = new Map<string, HostLane<T>>();
  readonly #ready = new Fifo<HostLane<T>>();
  #active = 0;
  #queued = 0;

  /**
   * @param start called synchronously when a task is admitted; the task must call
   *   {@link release} with the same host exactly once when it is done.
   */
  constructor(limit: number, perHost: number, start: (task: T, host: string) => void) {
    this.#limit = limit;
    this.#perHost = perHost;
    this.#start = start;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#queued;
  }

  /** Tasks of `host` waiting for a slot. */
  queuedFor(host: string): number {
    return this.#hosts.get(host)?.tasks.length ?? 0;
  }

  /** Queues a task for `host`; `first` puts it ahead of the host's other tasks (retries). */
  push(task: T, host: string, first = false): void {
    let lane = this.#hosts.get(host);
    if (lane === undefined) {
      lane = new HostLane(host);
      this.#hosts.set(host, lane);
    }
    if (first) lane.tasks.unshift(task);
    else lane.tasks.push(task);
    this.#queued++;
    if (!lane.ready && lane.active < this.#perHost) {
      lane.ready = true;
      this.#ready.push(lane);
    }
    this.#pump();
  }

  /** Frees the slot a task of `host` held and admits the next task in turn. */
  release(host: string): void {
    const lane = this.#hosts.get(host);
    if (lane === undefined || lane.active === 0) {
      throw new Error(`release() without a running task for ${host}`);
    }
    lane.active--;
    this.#active--;
    if (lane.tasks.length > 0) {
      if (!lane.ready) {
        lane.ready = true;
        this.#ready.push(lane);
      }
    } else if (lane.active === 0) {
      this.#hosts.delete(host);
    }
    this.#pump();
  }

  /** Removes and returns every waiting task (the run deadline passed). */
  drain(): T[] {
    const out: T[] = [];
    for (const lane of this.#hosts.values()) {
      while (lane.tasks.length > 0) out.push(lane.tasks.shift() as T);
      lane.ready = false;
      if (lane.active === 0) this.#hosts.delete(lane.host);
    }
    this.#ready.clear();
    this.#queued = 0;
    return out;
  }

  #pump(): void {
    while (this.#active < this.#limit) {
      const lane = this.#ready.shift();
      if (lane === undefined) return;
      const task = lane.tasks.shift();
      if (task === undefined) {
        lane.ready = false;
        continue;
      }
      this.#queued--;
      lane.active++;
      this.#active++;
      lane.ready = lane.tasks.length > 0 && lane.active < this.#perHost;
      if (lane.ready) this.#ready.push(lane);
      this.#start(task, lane.host);
    }
  }
}

class HostLane<T> {
  readonly host: string;
  readonly tasks = new Fifo<T>();
  active = 0;
  /** True while the lane sits in the ready FIFO. */
  ready = false;

  constructor(host: string) {
    this.host = host;
  }
}
