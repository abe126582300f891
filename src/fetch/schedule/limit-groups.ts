import type { EngineConfig } from '../../config/engine-config';
import { FETCH_ERROR_CODES } from '../../errors';
import { Gate } from './gate';
import { HostGate } from './host-gate';
import { TokenBucket } from './token-bucket';

/** What a run's hosts did, summed over hosts: part of a run's summary. */
export interface HostsSummary {
  /** Hosts that paused the run at least once (429, Retry-After, or mostly 503s: src/fetch/schedule/host-pause-rule.ts). */
  readonly throttled: number;
  /** Milliseconds of host pauses, summed over hosts. */
  readonly pausedMs: number;
  /** Hosts closed by the circuit breaker (HOST_UNAVAILABLE). */
  readonly unavailable: number;
  /** Hosts given up after throttling past maxHostWaitMs (HOST_THROTTLED). */
  readonly gaveUp: number;
}

/**
 * Makes the gates of a group's hosts: the engine's own {@link HostGate}s, or ones
 * whose slots and tokens come from a fleet-wide store (the pipeline's consumer; see
 * src/jobs/fleet/fleet-gates.ts).
 */
export type HostGateFactory = (host: string, config: EngineConfig) => HostGate;

/** Makes a group's gates: its hosts' and its run gate (the group's concurrency and `rate`). */
export interface GateFactories {
  readonly host: HostGateFactory;
  readonly run: (config: EngineConfig) => Gate;
}

/** The engine's own gates, holding their limits in this process. */
const LOCAL_GATES: GateFactories = {
  host: (host, config) => new HostGate(host, config),
  run: (config) => new Gate(config.concurrency, config.rate === null ? null : new TokenBucket(config.rate, 1)),
};

/**
 * The limits that runs of one group share: a run gate (the group's concurrency and
 * `rate`) and a gate per host. Each run is its own group unless the caller names one
 * (`RunOptions.limitGroup`): the consumer names the job, so every chunk of a job in a
 * batch shares its limits instead of each taking a slice.
 */
export class LimitGroup {
  readonly key: string;
  readonly runGate: Gate;
  readonly config: EngineConfig;
  readonly #makeHostGate: HostGateFactory;
  readonly #hosts = new Map<string, { gate: HostGate; users: number }>();
  runs = 0;

  constructor(key: string, config: EngineConfig, gates: GateFactories) {
    this.key = key;
    this.config = config;
    this.runGate = gates.run(config);
    this.#makeHostGate = gates.host;
  }

  /** The gate of `host`, made on first use; give it back with {@link releaseHost}. */
  acquireHost(host: string): HostGate {
    let entry = this.#hosts.get(host);
    if (entry === undefined) {
      entry = { gate: this.#makeHostGate(host, this.config), users: 0 };
      this.#hosts.set(host, entry);
    }
    entry.users++;
    return entry.gate;
  }

  /** Calls `use` with the gate of `host` held for just that long (a failed lookup, a redirect hop's token). */
  withHost<R>(host: string, use: (gate: HostGate) => R): R {
    const gate = this.acquireHost(host);
    try {
      return use(gate);
    } finally {
      this.releaseHost(host, Date.now());
    }
  }

  /**
   * One user of `host`'s gate is done with it. The last tells the gate it is unused (a
   * fleet gate gives its slots back then), and a gate that remembers nothing is dropped.
   */
  releaseHost(host: string, now: number): void {
    const entry = this.#hosts.get(host);
    if (entry === undefined) return;
    entry.users--;
    if (entry.users > 0) return;
    entry.gate.unused();
    if (entry.gate.isBlank(now)) {
      entry.gate.dispose();
      this.#hosts.delete(host);
    }
  }

  /** Hosts paused now (host-wide backoff). */
  pausedHosts(now: number): number {
    let n = 0;
    for (const { gate } of this.#hosts.values()) if (gate.pausedUntil > now && gate.closed === null) n++;
    return n;
  }

  /** What the group's hosts did (the gates that remember something are kept until the group ends). */
  summary(): HostsSummary {
    let throttled = 0;
    let pausedMs = 0;
    let unavailable = 0;
    let gaveUp = 0;
    for (const { gate } of this.#hosts.values()) {
      if (gate.pausedMs > 0) throttled++;
      pausedMs += gate.pausedMs;
      if (gate.closed?.code === FETCH_ERROR_CODES.HOST_UNAVAILABLE) unavailable++;
      if (gate.closed?.code === FETCH_ERROR_CODES.HOST_THROTTLED) gaveUp++;
    }
    return { throttled, pausedMs: Math.round(pausedMs), unavailable, gaveUp };
  }

  dispose(): void {
    this.runGate.dispose();
    for (const { gate } of this.#hosts.values()) gate.dispose();
    this.#hosts.clear();
  }
}

/** The engine's groups by key; a group lives while a run uses it. */
export class LimitGroups {
  readonly #groups = new Map<string, LimitGroup>();
  #anonymous = 0;

  /** Joins the group `key` (a new one per run when undefined), made with `config` if it is new. */
  join(key: string | undefined, config: EngineConfig, gates: GateFactories = LOCAL_GATES): LimitGroup {
    const name = key ?? `\u0000run-${++this.#anonymous}`;
    let group = this.#groups.get(name);
    if (group === undefined) {
      group = new LimitGroup(name, config, gates);
      this.#groups.set(name, group);
    }
    group.runs++;
    return group;
  }

  leave(group: LimitGroup): void {
    group.runs--;
    if (group.runs === 0) {
      group.dispose();
      this.#groups.delete(group.key);
    }
  }
}
