import type { FetchError } from '../../errors';
import { Fifo } from './fifo';
import type { Gate, Waiter } from './gate';

/** What a lane's tasks belong to: a run, told when a task starts or will not. */
export interface LaneOwner<T> {
  /** Epoch ms after which none of the owner's tasks may start (infinite: no deadline). */
  readonly deadlineAt: number;
  /** Called synchronously when `task` is admitted; the owner calls {@link HostScheduler.release} once it ends. */
  start(task: T, lane: Lane<T>): void;
  /**
   * `task` will not start through this lane: a gate closed (`error`), or no gate can
   * open before the deadline (`error` null; `notBefore` is when one could).
   */
  refuse(task: T, error: FetchError | null, notBefore: number): void;
  /** Checked before a task takes its slot and tokens: why it must not be fetched at all (robots.txt), or null. */
  veto(task: T, lane: Lane<T>): FetchError | null;
}

/**
 * One owner's tasks for one host, behind the gates they must all pass (the owner's
 * run gate, then the host's). A lane is in one place at a time: idle (no tasks),
 * in the scheduler's ready FIFO, or parked at one gate.
 */
export class Lane<T> implements Waiter {
  readonly tasks = new Fifo<T>();
  readonly owner: LaneOwner<T>;
  readonly gates: readonly Gate[];
  active = 0;
  #where: 'idle' | 'ready' | 'parked' = 'idle';
  #parkedOnTime = false;
  #closed = false;
  readonly #scheduler: HostScheduler<T>;

  constructor(scheduler: HostScheduler<T>, owner: LaneOwner<T>, gates: readonly Gate[]) {
    this.#scheduler = scheduler;
    this.owner = owner;
    this.gates = gates;
  }

  /** True while parked until a time: waiting for a token, a paused host, or its robots.txt. */
  get waitingForTime(): boolean {
    return this.#where === 'parked' && this.#parkedOnTime;
  }

  get closed(): boolean {
    return this.#closed;
  }

  wake(): void {
    if (this.#where !== 'parked' || this.#closed) return;
    this.#where = 'idle';
    this.#scheduler.enqueue(this);
  }

  /** @internal the scheduler's bookkeeping */
  moveTo(where: 'idle' | 'ready' | 'parked', onTime = false): void {
    this.#where = where;
    this.#parkedOnTime = onTime;
  }

  get where(): 'idle' | 'ready' | 'parked' {
    return this.#where;
  }

  /** @internal */
  markClosed(): void {
    this.#closed = true;
  }
}

/**
 * Admission control for the engine, one per engine (so every run of a process, e.g.
 * all chunks of a consumer's batch, shares its limits): at most `limit` tasks in
 * flight, and each task also passes its lane's gates (src/fetch/schedule/gate.ts: a run's
 * concurrency and rate, a host's `perHost`, rate, backoff and breaker).
 *
 * Lanes with work wait in a FIFO, so a free slot goes to the next host in turn
 * (round robin) instead of to a task stuck behind a busy host. A lane whose gate is
 * shut parks at that gate, holding no slot and no timer of its own, until the gate
 * wakes it. Everything is synchronous and O(1) per task.
 */
export class HostScheduler<T> {
  readonly #limit: number;
  readonly #clock: () => number;
  readonly #ready = new Fifo<Lane<T>>();
  #active = 0;
  #queued = 0;

  constructor(limit: number, clock: () => number = Date.now) {
    this.#limit = limit;
    this.#clock = clock;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting in a lane. */
  get queued(): number {
    return this.#queued;
  }

  /** A lane for `owner`'s tasks behind `gates` (checked in order). */
  lane(owner: LaneOwner<T>, gates: readonly Gate[]): Lane<T> {
    return new Lane(this, owner, gates);
  }

  /** Queues a task; `first` puts it ahead of the lane's other tasks (a retry, or a URL its host throttled). */
  push(lane: Lane<T>, task: T, first = false): void {
    if (lane.closed) throw new Error('push() on a closed lane');
    if (first) lane.tasks.unshift(task);
    else lane.tasks.push(task);
    this.#queued++;
    if (lane.where === 'idle') this.enqueue(lane);
  }

  /** Frees the slot a task of `lane` held and admits the next task in turn. */
  release(lane: Lane<T>): void {
    if (lane.active === 0) throw new Error('release() without a running task');
    lane.active--;
    this.#active--;
    for (const gate of lane.gates) gate.release();
    if (lane.where === 'idle' && lane.tasks.length > 0 && !lane.closed) this.enqueue(lane);
    this.#pump();
  }

  /** Closes a lane (its run stopped) and returns its waiting tasks. Tasks in flight still release. */
  close(lane: Lane<T>): T[] {
    lane.markClosed();
    const out: T[] = [];
    for (let t = lane.tasks.shift(); t !== undefined; t = lane.tasks.shift()) out.push(t);
    this.#queued -= out.length;
    return out;
  }

  /** @internal a lane with tasks goes to the back of the ready FIFO */
  enqueue(lane: Lane<T>): void {
    lane.moveTo('ready');
    this.#ready.push(lane);
    this.#pump();
  }

  #pump(): void {
    while (this.#active < this.#limit) {
      const lane = this.#ready.shift();
      if (lane === undefined) return;
      lane.moveTo('idle');
      if (lane.closed || lane.tasks.length === 0) continue;
      this.#admit(lane);
      if (lane.tasks.length > 0 && lane.where === 'idle' && !lane.closed) {
        lane.moveTo('ready');
        this.#ready.push(lane);
      }
    }
  }

  /** Starts the lane's next task if its gates let it; else parks the lane, or empties it when nothing of it can start. */
  #admit(lane: Lane<T>): void {
    const now = this.#clock();
    for (const gate of lane.gates) {
      const block = gate.block(now);
      if (block === null) continue;
      if (block === 'closed') {
        this.#refuseAll(lane, gate.closed, now);
        return;
      }
      if (block === 'capacity') {
        lane.moveTo('parked');
        gate.waitForSlot(lane);
        return;
      }
      const at = gate.readyAt(now);
      if (at !== Number.POSITIVE_INFINITY && at > lane.owner.deadlineAt) {
        // It could not start before the owner's deadline: hand the tasks back now
        // (the pipeline re-queues them with a delay) instead of sleeping until then.
        this.#refuseAll(lane, null, at);
        return;
      }
      lane.moveTo('parked', true);
      gate.waitUntil(lane, at, now);
      return;
    }
    const task = lane.tasks.shift() as T;
    this.#queued--;
    const veto = lane.owner.veto(task, lane);
    if (veto !== null) {
      lane.owner.refuse(task, veto, now);
      return;
    }
    for (const gate of lane.gates) gate.take(now);
    lane.active++;
    this.#active++;
    lane.owner.start(task, lane);
  }

  #refuseAll(lane: Lane<T>, error: FetchError | null, notBefore: number): void {
    for (let t = lane.tasks.shift(); t !== undefined; t = lane.tasks.shift()) {
      this.#queued--;
      lane.owner.refuse(t, error, notBefore);
    }
  }
}
