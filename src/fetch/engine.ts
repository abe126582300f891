import type { EngineConfig } from '../config/engine-config';
import type { AttemptContext } from './http/attempt';
import { ACCEPT_ENCODING } from './http/content-coding';
import { FetchRun } from './run/fetch-run';
import { HostScheduler } from './schedule/host-scheduler';
import { RobotsCache } from './robots/robots-cache';
import { LimitGroups } from './schedule/limit-groups';
import type { Task } from './run/task';
import { createGuardedNetwork } from './http/guarded-network';
import { OriginAgent } from './pool/origin-agent';
import { OriginPool } from './pool/origin-pool';
import type { Connection } from './pool/pooled-request';
import { SocketBudget } from './pool/socket-budget';
import type { Engine, EngineDeps, RunOptions, RunSummary, UrlInput } from './types';

/** How long an idle kept-alive connection is held for the next request to its host. */
const KEEP_ALIVE_MS = 10_000;

/**
 * Creates the fetch engine: one {@link OriginAgent} (an {@link OriginPool} per origin,
 * connections opened through the network guard, every socket counted against one
 * {@link SocketBudget}) and one name cache (see {@link createGuardedNetwork}), shared
 * by every run. Build it
 * once per process (at module scope in a Lambda) and call {@link Engine.run} per
 * batch.
 *
 * @example
 * const engine = createEngine(resolveEngineConfig({ concurrency: 200 }));
 * await engine.run([{ url: 'https://example.com/', line: 1 }], { onResult: (r) => console.log(r) });
 * await engine.close();
 */
export function createEngine(config: EngineConfig, deps: EngineDeps = {}): Engine {
  const runs = new Set<FetchRun>();
  // One scheduler and one set of limit groups for the process: concurrent runs share
  // the engine's concurrency, and runs of one group (a job's chunks) share its limits.
  const scheduler = new HostScheduler<Task>(config.concurrency);
  const groups = new LimitGroups();
  // robots.txt is the host's: read with the engine's settings and kept for all its runs.
  const robots = { cache: new RobotsCache(), config };
  const budget = new SocketBudget<Connection>(config.maxSockets, (host) => {
    for (const run of runs) if (run.queuedFor(host) > 0) return true;
    return false;
  });
  const network = createGuardedNetwork(config, deps, () => budget.shrink());
  const { guard, dns, connect } = network;
  const clientOptions = {
    connect,
    // Our own timers run every phase (see attempt.ts); undici's would only add work.
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: KEEP_ALIVE_MS,
    keepAliveMaxTimeout: KEEP_ALIVE_MS,
  };
  // The cap on requests in flight per host is ours (HostGate). A connection
  // for each, and as many again: one aborted after a timeout counts until its
  // socket has closed.
  const maxConnections = config.perHost * 2;
  const dispatcher = new OriginAgent((origin) => new OriginPool(origin, clientOptions, maxConnections, budget));
  const random = deps.random ?? Math.random;

  return {
    async run(urls: AsyncIterable<UrlInput> | Iterable<UrlInput>, options: RunOptions): Promise<RunSummary> {
      const runConfig = options.config ?? config;
      const ctx: AttemptContext = {
        dispatcher,
        guard,
        config: runConfig,
        requestHeaders: { 'user-agent': runConfig.userAgent, accept: '*/*', 'accept-encoding': ACCEPT_ENCODING },
      };
      const group = groups.join(options.limitGroup, runConfig, options.gates);
      const run = new FetchRun(ctx, dns, options, random, scheduler, group, robots);
      runs.add(run);
      try {
        return await run.run(urls);
      } finally {
        runs.delete(run);
        groups.leave(group);
      }
    },
    async close() {
      // Lookups first: a connection waiting for its name then fails at once, and the pool can close.
      network.close();
      await dispatcher.close();
    },
  };
}
