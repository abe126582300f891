import { Agent } from 'undici';
import type { EngineConfig } from '../config/engine-config';
import { createConnector } from '../net/connector';
import { createNetworkGuard } from '../net/guard';
import type { AttemptContext } from './attempt';
import { ACCEPT_ENCODING } from './content-coding';
import { FetchRun } from './fetch-run';
import { OriginPool } from './origin-pool';
import type { Engine, EngineDeps, RunOptions, RunSummary, UrlInput } from './types';

/** How long an idle kept-alive connection is held for the next request to its host. */
const KEEP_ALIVE_MS = 10_000;

/**
 * Creates the fetch engine: one undici Agent (an {@link OriginPool} per origin,
 * connections opened through the network guard) shared by every run. Build it once per
 * process (at module scope in a Lambda) and call {@link Engine.run} per batch.
 *
 * @example
 * const engine = createEngine(resolveEngineConfig({ concurrency: 200 }));
 * await engine.run([{ url: 'https://example.com/', line: 1 }], { onResult: (r) => console.log(r) });
 * await engine.close();
 */
export function createEngine(config: EngineConfig, deps: EngineDeps = {}): Engine {
  const guard = createNetworkGuard(config.allowNet);
  const connect = createConnector({
    guard,
    connectTimeoutMs: config.connectTimeoutMs,
    ...(deps.dial !== undefined && { dial: deps.dial }),
    ...(deps.resolve !== undefined && { resolve: deps.resolve }),
  });
  const clientOptions = {
    connect,
    // Our own timers run every phase (see attempt.ts); undici's would only add work.
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: KEEP_ALIVE_MS,
    keepAliveMaxTimeout: KEEP_ALIVE_MS,
  };
  // The cap on requests in flight per host is ours (HostScheduler). A connection
  // for each, and as many again: one aborted after a timeout counts until its
  // socket has closed.
  const maxConnections = config.perHost * 2;
  const dispatcher = new Agent({ factory: (origin) => new OriginPool(origin, clientOptions, maxConnections) });
  const random = deps.random ?? Math.random;

  return {
    run(urls: AsyncIterable<UrlInput> | Iterable<UrlInput>, options: RunOptions): Promise<RunSummary> {
      const runConfig = options.config ?? config;
      const ctx: AttemptContext = {
        dispatcher,
        guard,
        config: runConfig,
        requestHeaders: { 'user-agent': runConfig.userAgent, accept: '*/*', 'accept-encoding': ACCEPT_ENCODING },
      };
      return new FetchRun(ctx, options, random).run(urls);
    },
    close: () => dispatcher.close(),
  };
}
